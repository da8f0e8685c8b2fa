"""The project sets itself up safely: start-up refuses unsafe configuration, the deploy
checks are clean, migrations match the models, and the deployment files are valid.

Start-up is tested in a fresh interpreter (subprocess) with a clean environment, because
settings are read once per process and tests/settings.py fills in test defaults."""

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_FILE = ROOT / "casework" / "settings.py"

# Every variable the settings read, plus those that name where the settings come from.
SETTINGS_VARIABLES = {
    *re.findall(r'(?:os\.environ\.get|env_bool|env_int|env_list)\("([A-Z_]+)"', SETTINGS_FILE.read_text()),
    "DATABASE_URL",  # read by dj_database_url.config()
    "DJANGO_SETTINGS_MODULE",
}


def production_env(**overrides) -> dict[str, str]:
    """The caller's environment without any casework setting, plus production-like values."""
    # DJANGO_ALLOW_ASYNC_UNSAFE is set for the browser tests (tests/conftest.py), never in production.
    excluded = SETTINGS_VARIABLES | {"DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in excluded}
    env.update(
        DJANGO_SETTINGS_MODULE="casework.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="casework.example.org",
        AUDIT_CHAIN_KEY=secrets.token_urlsafe(40),
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def manage(*args, **env_overrides) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=production_env(**env_overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_debug_off_without_secret_key_refuses_to_start_and_says_why():
    result = manage("check", SECRET_KEY=None)

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_debug_off_with_an_empty_secret_key_refuses_to_start():
    result = manage("check", SECRET_KEY="")

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_off_without_allowed_hosts_refuses_to_start_and_says_why():
    result = manage("check", ALLOWED_HOSTS=None)

    assert result.returncode != 0
    assert "ImproperlyConfigured: ALLOWED_HOSTS is not set" in result.stderr


@pytest.mark.parametrize("weak_key", ["short", "x" * 49, "ab" * 40])
def test_debug_off_with_a_weak_secret_key_refuses_to_start(weak_key):
    result = manage("check", SECRET_KEY=weak_key)

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is too weak" in result.stderr


def test_a_trusted_proxy_that_is_not_an_address_refuses_to_start():
    result = manage("check", TRUSTED_PROXIES="proxy.example.org")

    assert result.returncode != 0
    assert "TRUSTED_PROXIES: 'proxy.example.org' is not an IP address" in result.stderr


@pytest.mark.parametrize("hosts", ["*", "casework.example.org,*"])
def test_debug_off_with_a_wildcard_in_allowed_hosts_refuses_to_start(hosts):
    result = manage("check", ALLOWED_HOSTS=hosts)

    assert result.returncode != 0
    assert "ALLOWED_HOSTS may not be '*'" in result.stderr


def test_debug_off_without_the_audit_chain_key_refuses_to_start_and_says_why():
    result = manage("check", AUDIT_CHAIN_KEY=None)

    assert result.returncode != 0
    assert "ImproperlyConfigured: AUDIT_CHAIN_KEY is not set" in result.stderr


def test_the_demo_with_debug_on_starts_without_an_audit_chain_key():
    # `make demo` sets nothing: DEBUG=1 gets a development key, as it gets a SECRET_KEY.
    result = manage("check", DEBUG="1", AUDIT_CHAIN_KEY=None)

    assert result.returncode == 0, result.stderr


def test_a_short_audit_chain_key_is_refused():
    result = manage("check", AUDIT_CHAIN_KEY="too-short")

    assert result.returncode != 0
    assert "at least 32 characters" in result.stderr


def test_the_audit_chain_key_can_come_from_a_secret_file(tmp_path):
    key_file = tmp_path / "audit-chain-key"
    key_file.write_text(secrets.token_urlsafe(40) + "\n")
    code = "from django.conf import settings; print(settings.AUDIT_CHAIN_KEY)"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=production_env(AUDIT_CHAIN_KEY=None, AUDIT_CHAIN_KEY_FILE=str(key_file)),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == key_file.read_text().strip()


def test_an_unreadable_audit_chain_key_file_is_refused(tmp_path):
    result = manage("check", AUDIT_CHAIN_KEY=None, AUDIT_CHAIN_KEY_FILE=str(tmp_path / "missing"))

    assert result.returncode != 0
    assert "AUDIT_CHAIN_KEY_FILE cannot be read" in result.stderr


def test_aggregates_suppression_threshold_below_three_is_refused():
    result = manage("check", AGGREGATES_MIN_CELL="2")

    assert result.returncode != 0
    assert "AGGREGATES_MIN_CELL is 2" in result.stderr


def test_a_release_guard_below_three_places_is_refused():
    result = manage("check", AGGREGATES_MIN_TABLE_CHANGE="2")

    assert result.returncode != 0
    assert "AGGREGATES_MIN_TABLE_CHANGE is 2" in result.stderr


def test_deploy_checks_are_clean_with_production_settings():
    # SE-9: HSTS, secure cookies, SSL redirect, a strong key, DEBUG off.
    result = manage("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_no_security_check_is_silenced(settings):
    # Silencing a security.* warning would make the deploy check above pass vacuously.
    assert not [check for check in settings.SILENCED_SYSTEM_CHECKS if check.startswith("security.")]


def test_migrations_match_the_models():
    result = manage("makemigrations", "--check", "--dry-run")

    assert "Traceback" not in result.stderr, f"makemigrations did not run:\n{result.stderr}"
    assert result.returncode == 0, f"Models changed without a migration:\n{result.stdout}"


def test_without_database_url_the_database_is_sqlite_in_the_project_folder():
    code = "from django.conf import settings; d = settings.DATABASES['default']; print(d['ENGINE']); print(d['NAME'])"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=production_env(DATABASE_URL=None),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    engine, name = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert Path(name) == ROOT / "db.sqlite3"


def test_env_example_documents_every_variable_the_settings_read():
    documented = set(re.findall(r"^#? ?([A-Z_]+)=", (ROOT / ".env.example").read_text(), flags=re.M))

    missing = SETTINGS_VARIABLES - {"DJANGO_SETTINGS_MODULE"} - documented
    assert not missing, f"Document these in .env.example (and docker-compose.yml if deployments need them): {missing}"


def test_compose_file_passes_every_production_setting_to_the_web_service():
    compose = (ROOT / "docker-compose.yml").read_text()

    # DEMO_PASSWORD belongs to the demo only; DATABASE_URL is built from POSTGRES_*.
    for name in SETTINGS_VARIABLES - {"DJANGO_SETTINGS_MODULE", "DEMO_PASSWORD"}:
        assert re.search(rf"^\s+{name}:", compose, flags=re.M), f"docker-compose.yml does not set {name}"


COMPOSE_SECRETS = {
    "SECRET_KEY": "x" * 50,
    "ALLOWED_HOSTS": "casework.example.org",
    "POSTGRES_PASSWORD": "pw",
    "CASEWORK_OWNER_PASSWORD": "owner-pw",
    "CASEWORK_APP_PASSWORD": "app-pw",
}


def compose_config(tmp_path, env) -> subprocess.CompletedProcess:
    docker_compose = shutil.which("docker-compose")
    if docker_compose is None:
        pytest.skip("docker-compose is not installed: apt-get install -y --no-install-recommends docker-compose")
    # A copy in an empty folder, so that a developer's own .env does not fill the gaps.
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    (tmp_path / "Dockerfile").write_text((ROOT / "Dockerfile").read_text())
    clean = {key: value for key, value in os.environ.items() if key not in COMPOSE_SECRETS}
    return subprocess.run(
        [docker_compose, "config", "-q"],
        cwd=tmp_path,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_compose_file_is_valid(tmp_path):
    result = compose_config(tmp_path, COMPOSE_SECRETS)

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("required", sorted(COMPOSE_SECRETS))
def test_compose_refuses_to_start_without_a_required_secret(tmp_path, required):
    result = compose_config(tmp_path, {k: v for k, v in COMPOSE_SECRETS.items() if k != required})

    assert result.returncode != 0
    assert f"set {required}" in result.stderr


# A shell that exports every setting with a value the tests do not assume: tests/settings.py
# must pin them all (DATABASE_URL aside, which picks the database and is tested elsewhere).
HOSTILE_ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "casework.settings",
    "DEBUG": "1",
    "SECRET_KEY": "",
    "ALLOWED_HOSTS": "elsewhere.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://elsewhere.example.org",
    "DATABASE_CONN_MAX_AGE": "0",
    "DATABASE_PREPARE_THRESHOLD": "0",
    "TIME_ZONE": "Pacific/Kiritimati",
    "LOG_LEVEL": "CRITICAL",
    "SESSION_IDLE_SECONDS": "5",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "0",
    "TRUSTED_PROXY_COUNT": "3",
    "TRUSTED_PROXIES": "0.0.0.0/0",
    "AGGREGATES_MIN_CELL": "9",
    "SINGLE_SYSTEM_ADMIN": "1",
    "AGGREGATES_RELEASES_PER_MONTH": "0",
    "AGGREGATES_MIN_TABLE_CHANGE": "99",
    "DEMO_PASSWORD": "a-password-from-the-shell",
    "DATABASE_APP_ROLE": "postgres",
    "BACKUP_AGE_RECIPIENT": "age1notarealkey",
    "AUDIT_CHAIN_KEY": "",
    "AUDIT_CHAIN_KEY_FILE": "/nonexistent/audit-chain-key",
    "AUDIT_CHECKPOINT_SIGNING_KEY_FILE": "/nonexistent/signing-key",
    "AUDIT_CHECKPOINT_PUBLIC_KEY": "not-a-key",
}


def test_the_test_settings_pin_every_variable_the_settings_read():
    from tests.settings import PINNED_ENVIRONMENT

    assert SETTINGS_VARIABLES - {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"} == set(PINNED_ENVIRONMENT)
    assert set(HOSTILE_ENVIRONMENT) == set(PINNED_ENVIRONMENT) | {"DJANGO_SETTINGS_MODULE"}
    assert not {key for key, value in PINNED_ENVIRONMENT.items() if HOSTILE_ENVIRONMENT[key] == value}


def test_the_settings_are_what_the_tests_assume():
    from django.conf import settings

    assert os.environ["DJANGO_SETTINGS_MODULE"] == "tests.settings"
    assert settings.DEBUG is False
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert settings.SECRET_KEY == "test-only-secret-key-not-for-any-deployment-0123456789-abcdefghij"
    assert set(settings.ALLOWED_HOSTS) == {"testserver", "localhost", "127.0.0.1"}  # Django adds testserver
    assert settings.CSRF_TRUSTED_ORIGINS == []
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 60
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.LOGGING["root"]["level"] == "INFO"
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SECURE_SSL_REDIRECT is False
    assert settings.SECURE_HSTS_SECONDS == 31536000
    assert settings.TRUSTED_PROXY_COUNT == 0
    assert settings.TRUSTED_PROXIES == []
    assert settings.AGGREGATES_MIN_CELL == 5
    assert settings.SINGLE_SYSTEM_ADMIN is False
    assert settings.DEMO_PASSWORD == "demo-password"
    assert settings.AUDIT_CHAIN_KEY == "test-only-audit-chain-key-not-for-any-deployment"
    assert (settings.AUDIT_CHECKPOINT_SIGNING_KEY_FILE, settings.AUDIT_CHECKPOINT_PUBLIC_KEY) == ("", "")


def test_the_shell_environment_does_not_change_the_outcome():
    # Two tests in a fresh pytest under HOSTILE_ENVIRONMENT: the one above, and one that
    # failed under `DEBUG=1 make test`. On SQLite in memory (no DATABASE_URL) whatever this
    # run uses, so that the inner run cannot reach for the outer run's test database; with
    # no migrations and plain asserts, which take most of a small run's time.
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.pop("DATABASE_URL", None)
    env.update(HOSTILE_ENVIRONMENT)
    tests = [
        f"{Path(__file__).relative_to(ROOT)}::test_the_settings_are_what_the_tests_assume",
        "tests/casework/web/test_security_headers.py::test_session_cookie_is_secure_and_http_only",
    ]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "--no-migrations", "--assert=plain", *tests],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout, result.stdout


def test_readme_quick_start_is_the_two_make_commands():
    readme = (ROOT / "README.md").read_text()

    assert "make demo" in readme
    assert "make test" in readme
