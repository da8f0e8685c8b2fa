# The casework web application: gunicorn behind a TLS-terminating reverse proxy, static
# files served by whitenoise, migrations run by the compose file's migrate service. See docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin casework

# Dependencies first, so that a code change does not reinstall them. The project itself has
# no importable package to install (setuptools `packages = []`): the code runs from /app.
# Production dependencies only: neither the dev extra nor the demo extra (Faker, needed
# by `manage.py seed_demo` alone, which this image never runs; it says so if asked to).
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .

# collectstatic imports the settings, which refuse to load without their secrets when DEBUG
# is off; these throwaway keys exist only for this build step and are not kept in the image.
RUN DEBUG=0 SECRET_KEY=build-time-collectstatic-only ALLOWED_HOSTS=localhost \
    AUDIT_CHAIN_KEY=build-time-collectstatic-only-not-an-audit-key \
    python manage.py collectstatic --noinput

# The application files stay owned by root: the running process can read, not change, them.
USER casework

EXPOSE 8000

# No migrations here: the web process connects as the application role, which may not
# change the schema. docker-compose.yml's migrate service runs them as the owner first.
# No gunicorn access log: request lines carry search words, and search words are names.
# WEB_CONCURRENCY sets the number of workers (gunicorn reads it).
CMD ["gunicorn", "casework.wsgi", "--bind", "0.0.0.0:8000", "--timeout", "60"]
