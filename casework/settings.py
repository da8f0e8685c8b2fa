"""Settings for casework, read from the environment only (see .env.example)."""

import datetime
import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if DEBUG:
    # Development only: a throwaway key and local hosts, never with DEBUG off.
    SECRET_KEY = SECRET_KEY or "insecure-development-key-do-not-use-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
else:
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off the application refuses to start without one (see .env.example)."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS is not set. With DEBUG off list the host names that serve "
            "the application, comma-separated (see .env.example)."
        )
    # The key signs sessions: a short or repetitive one can be guessed offline from a cookie.
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "SECRET_KEY is too weak: use at least 50 random characters, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
    # A wildcard answers for any Host header: password-reset links and absolute URLs could
    # point at an attacker's host.
    if "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS may not be '*' with DEBUG off: list the host names.")

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")


def _audit_chain_key() -> str:
    """The key of the audit trail's HMAC chain (casework.audit.chain), from the environment
    or a secret file, never from the database: whoever can write the tables but lacks the
    key cannot re-hash a chain they changed."""
    key = os.environ.get("AUDIT_CHAIN_KEY", "").strip()
    key_file = os.environ.get("AUDIT_CHAIN_KEY_FILE", "").strip()
    if key and key_file:
        raise ImproperlyConfigured("Set AUDIT_CHAIN_KEY or AUDIT_CHAIN_KEY_FILE, not both.")
    if key_file:
        try:
            key = Path(key_file).read_text().strip()
        except OSError as error:
            raise ImproperlyConfigured(f"AUDIT_CHAIN_KEY_FILE cannot be read: {error.strerror}.") from None
    if not key and DEBUG:
        # Development only, like SECRET_KEY above.
        key = "insecure-development-audit-chain-key-do-not-use"
    if not key:
        raise ImproperlyConfigured(
            "AUDIT_CHAIN_KEY is not set. With DEBUG off the application refuses to start without "
            "the audit chain's key (AUDIT_CHAIN_KEY, or AUDIT_CHAIN_KEY_FILE naming a secret file; see .env.example)."
        )
    if len(key) < 32:
        raise ImproperlyConfigured("The audit chain key must be at least 32 characters long.")
    return key


AUDIT_CHAIN_KEY = _audit_chain_key()
# Checkpoints of the audit chains (manage.py audit_checkpoint, verify_audit --checkpoints):
# the Ed25519 private key file that signs them (only where the checkpoint job runs) and
# the public key, base64, that verifies them.
AUDIT_CHECKPOINT_SIGNING_KEY_FILE = os.environ.get("AUDIT_CHECKPOINT_SIGNING_KEY_FILE", "").strip()
AUDIT_CHECKPOINT_PUBLIC_KEY = os.environ.get("AUDIT_CHECKPOINT_PUBLIC_KEY", "").strip()

INSTALLED_APPS = [
    "casework.apps.VerifiedAdminConfig",  # django.contrib.admin, asking for the second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "guardian",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "template_partials",
    "casework",
    "families",
    "children",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "casework.web.middleware.LoginNextWithoutQueryMiddleware",
    "casework.web.language.PreferredLanguageMiddleware",
    # request.user.is_verified(): whether this session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    "casework.web.middleware.SessionLifetimeMiddleware",
    # No page beyond the second factor (and a forced password change) until they are done.
    "casework.web.middleware.SignInCompleteMiddleware",
    "casework.web.middleware.HtmxLoginRedirectMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "casework.web.middleware.NoStoreMiddleware",
    "casework.web.middleware.SecurityHeadersMiddleware",
    "casework.web.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into casework.accounts.login.locked_out.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "casework.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "casework.web.context_processors.navigation",
            ],
        },
    },
]

# Widgets, fields and error lists are drawn from Django's own Jinja2 copies of its form
# templates (the same HTML): a page's filter form took 1.8 ms of Python with Django's
# engine, 0.8 ms with this one (docs/benchmarks.md). Pages stay Django templates; the
# admin's widgets, which have no Jinja2 copy, fall back to Django's engine.
FORM_RENDERER = "casework.web.forms.FormRenderer"

WSGI_APPLICATION = "casework.wsgi.application"

# No DATABASE_URL: an SQLite file beside manage.py, the embedded default.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default: write-ahead logging (one fsync per commit, readers never wait
    # for the writer) and a wait for the write lock instead of "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20})

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters travel apart from the statement (psycopg 3 server-side binding), so a
    # statement that fails is logged by PostgreSQL with $1, $2 ... and never with a name.
    # The server must keep log_parameter_max_length_on_error at 0 (docker-compose.yml).
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
    # A statement run this many times on one connection is prepared, so PostgreSQL plans it
    # once: the access gate's join of ten tables took 33 ms to plan and 1 ms to run, and a
    # list page's PostgreSQL time fell from 21 to 5 ms (docs/benchmarks.md). 0 turns it off,
    # for a pooler in transaction mode that cannot keep prepared statements (docs/scaling.md).
    prepare_after = env_int("DATABASE_PREPARE_THRESHOLD", 5)
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = prepare_after if prepare_after > 0 else None

# The PostgreSQL role the web process connects as; the owner grants it its privileges after
# migrating (manage.py grant_app_role). Empty outside PostgreSQL deployments.
DATABASE_APP_ROLE = os.environ.get("DATABASE_APP_ROLE", "")

# Backups (manage.py backup) are encrypted to this age public key (age1...). Its private
# key is kept offline, never on the server (README, Backups).
BACKUP_AGE_RECIPIENT = os.environ.get("BACKUP_AGE_RECIPIENT", "")

# Two-person rule (casework.access.services): a privilege that a system admin grants (a
# role, a team) takes effect only when a second system admin approves it. A deployment
# with a single system admin says so here; `check --deploy` then warns (casework.W102).
SINGLE_SYSTEM_ADMIN = env_bool("SINGLE_SYSTEM_ADMIN", False)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out (username, address) pair before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "casework.access.backends.CaseObjectPermissionBackend",
]
# guardian.W001 looks for guardian's backend by its exact path; ours subclasses it.
SILENCED_SYSTEM_CHECKS = ["guardian.W001"]

# Argon2 (memory-hard) for new and changed passwords; an older PBKDF2 hash still verifies
# and is rewritten as Argon2 at the user's next login.
PASSWORD_HASHERS = [
    "casework.core.passwords.CaseworkArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# guardian: no anonymous user object; permissions are only ever per object.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

# Login throttling (django-axes, see casework/accounts/login.py): five wrong passwords for one
# username, from whatever addresses, lock that username for thirty minutes; five from one
# address lock that address. Every lock lapses by itself, so nobody can lock a known
# username out for good: attempts during a lock neither count nor extend it. A successful
# login clears that username's failures only (casework.accounts.login.RequestDataFreeHandler).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "casework.accounts.login.locked_out"
AXES_CLIENT_IP_CALLABLE = "casework.audit.services.client_address"
AXES_ENABLE_ADMIN = False  # the admin shows accounts and teams only
AXES_SENSITIVE_PARAMETERS = ["password"]
# Axes' own handler, minus the request's GET and POST data (a `next` can carry search words).
AXES_HANDLER = "casework.accounts.login.RequestDataFreeHandler"
AXES_VERBOSE = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ko", _("Korean")), ("zh-hans", _("Simplified Chinese"))]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
# The interface languages' .po files (and the committed .mo files compiled from them).
LOCALE_PATHS = [BASE_DIR / "locale"]
# The switch's cookie (casework.web.language): the login page in the language last used here.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Sessions: a shared laptop must not stay logged in. Idle sessions end after
# SESSION_IDLE_SECONDS and on browser close. Activity renews the session at most once a
# minute (casework.web.middleware.SessionLifetimeMiddleware), not on every request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_SECONDS = 60
# However active, a session ends this long after login (casework.web.middleware).
SESSION_MAX_SECONDS = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Nothing left on a searched phone (SE-11): the CSRF token lives in the session, so there
# is no year-long csrftoken cookie that survives logout, and messages are kept in the
# session rather than in a cookie of their own. The session cookie is the only one.
CSRF_USE_SESSIONS = True
CSRF_COOKIE_SAMESITE = "Lax"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host-: the browser takes the cookie only over HTTPS, for this exact host and path /,
    # so neither a sibling subdomain nor plain HTTP can plant or read it.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The access log and the login throttle record the client address. Behind a reverse proxy
# set TRUSTED_PROXY_COUNT to the number of proxies that append to X-Forwarded-For, and
# TRUSTED_PROXIES to the addresses (or networks) those proxies connect from. The header is
# read only on a connection from one of them: anyone else reaching the application port
# directly could otherwise pick any address and step around a lock (SE-10).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or network.") from None

# Demo users' password (seed_demo); only ever used with DEBUG on or --force.
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-password")

# Anonymised aggregates: counts below this are suppressed. Never below 3.
AGGREGATES_MIN_CELL = env_int("AGGREGATES_MIN_CELL", 5)
if AGGREGATES_MIN_CELL < 3:
    raise ImproperlyConfigured(
        f"AGGREGATES_MIN_CELL is {AGGREGATES_MIN_CELL}; the suppression threshold may not be below 3."
    )
# How many releases of the aggregates may be published in one calendar month (0: no limit).
AGGREGATES_RELEASES_PER_MONTH = env_int("AGGREGATES_RELEASES_PER_MONTH", 1)
# A release is counted afresh only if every table that changed since the previous release
# changed in at least this many places (casework.aggregates.differencing); otherwise it
# repeats the previous figures. One event changes a table in at most two places: never below 3.
AGGREGATES_MIN_TABLE_CHANGE = env_int("AGGREGATES_MIN_TABLE_CHANGE", 10)
if AGGREGATES_MIN_TABLE_CHANGE < 3:
    raise ImproperlyConfigured(
        f"AGGREGATES_MIN_TABLE_CHANGE is {AGGREGATES_MIN_TABLE_CHANGE}; it may not be below 3 "
        "(one change in a case moves a table in two places)."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "()": "casework.core.logging.SafeFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
