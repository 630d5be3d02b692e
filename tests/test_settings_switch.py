"""The environment chooses the installation: embedded, services (PostgreSQL + Redis) or production.

Settings are read once per process, so each case runs in a fresh ``python`` subprocess with a
controlled environment and reports what Django actually loaded.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SWITCHES = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "SECURE_HTTPS", "SQLITE_NAME",
            "FIELD_ENCRYPTION_KEYS", "FIELD_HASH_KEY")

REPORT = """
import json
from django.conf import settings
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "result_backend": settings.CELERY_RESULT_BACKEND,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_cookie_secure": settings.CSRF_COOKIE_SECURE,
    "hsts_seconds": settings.SECURE_HSTS_SECONDS,
    "debug": settings.DEBUG,
    "allowed_hosts": settings.ALLOWED_HOSTS,
}))
"""


def secret_key(length: int = 60) -> str:
    alphabet = string.ascii_letters + string.digits + "!@%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def production_env() -> dict[str, str]:
    return {
        "SECRET_KEY": secret_key(60),
        "ALLOWED_HOSTS": "kaohe.example.gov.cn",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "DEBUG": "false",
        "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "FIELD_HASH_KEY": secrets.token_urlsafe(48),
    }


def run_python(args: list[str], **variables: str) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if name not in SWITCHES}
    env.update(variables)
    env["DJANGO_SETTINGS_MODULE"] = "assessment.settings"
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=120, check=False)


def loaded_settings(**variables: str) -> dict:
    completed = run_python(["-c", REPORT], **variables)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_nothing_set_runs_embedded():
    loaded = loaded_settings()
    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert loaded["eager"] is True
    assert loaded["broker"] == "memory://"
    assert loaded["ssl_redirect"] is False
    assert loaded["session_cookie_secure"] is False
    assert loaded["debug"] is False


def test_database_and_redis_urls_switch_to_services():
    loaded = loaded_settings(DATABASE_URL="postgres://postgres@127.0.0.1:5432/assessment_dev",
                             REDIS_URL="redis://127.0.0.1:6379/5")
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert loaded["eager"] is False
    assert loaded["broker"] == "redis://127.0.0.1:6379/5"
    assert loaded["result_backend"] == "redis://127.0.0.1:6379/5"
    # Still a local installation: no SECRET_KEY, so plain HTTP.
    assert loaded["ssl_redirect"] is False
    assert loaded["session_cookie_secure"] is False


def test_secret_key_means_production_over_https():
    env = production_env()
    del env["REDIS_URL"]
    loaded = loaded_settings(**env)
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert loaded["debug"] is False
    assert loaded["allowed_hosts"] == ["kaohe.example.gov.cn"]
    assert loaded["ssl_redirect"] is True
    assert loaded["session_cookie_secure"] is True
    assert loaded["csrf_cookie_secure"] is True
    assert loaded["hsts_seconds"] >= 31536000


def test_debug_turns_production_off():
    loaded = loaded_settings(SECRET_KEY=secret_key(60), DEBUG="true")
    assert loaded["debug"] is True
    assert loaded["ssl_redirect"] is False
    assert loaded["session_cookie_secure"] is False


def test_deploy_check_passes_for_production_settings():
    completed = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **production_env())
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "System check identified no issues" in completed.stdout, output
    assert "WARNINGS" not in output and "ERRORS" not in output, output


@pytest.mark.parametrize("length", [10, 49])
def test_short_secret_key_is_refused_in_production(length):
    env = production_env()
    env["SECRET_KEY"] = secret_key(length)
    completed = run_python(["-c", REPORT], **env)
    assert completed.returncode != 0
    assert "ImproperlyConfigured" in completed.stderr
    assert "SECRET_KEY must be at least 50 characters long" in completed.stderr


def test_unreadable_debug_value_is_refused():
    completed = run_python(["-c", REPORT], DEBUG="maybe")
    assert completed.returncode != 0
    assert "ImproperlyConfigured" in completed.stderr
    assert "DEBUG must be true or false" in completed.stderr


@pytest.mark.parametrize("missing", ["FIELD_ENCRYPTION_KEYS", "FIELD_HASH_KEY"])
def test_production_refuses_to_start_without_its_personal_data_keys(missing):
    env = production_env()
    del env[missing]
    completed = run_python(["-c", REPORT], **env)
    assert completed.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS and FIELD_HASH_KEY" in completed.stderr
