"""Settings, read from the environment only.

With no variables at all the app runs embedded: SQLite in the project folder and Celery tasks
executed eagerly in-process, so a newcomer needs nothing else. Setting ``DATABASE_URL`` and
``REDIS_URL`` switches to PostgreSQL and a real Celery worker on Redis.
"""

import base64
import hashlib
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name, "")
    items = [item.strip() for item in raw.split(",") if item.strip()]
    return items or default


DEBUG = env_bool("DEBUG", False)

# A deployment brings its own SECRET_KEY; that is what marks a production run. Without one the
# app runs as a local installation (embedded demo, development, tests) over plain HTTP.
PRODUCTION = bool(env_str("SECRET_KEY")) and not DEBUG
SECRET_KEY = env_str("SECRET_KEY") or "local-installation-key-never-used-in-production-3f9c2e7a1b"
if PRODUCTION and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Django admin, behind the app's login and second factor (accounts/admin_site.py).
    "accounts.admin_site.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "import_export",
    "django_filters",
    "django_tables2",
    "django_htmx",
    # The second factor (TOTP apps and one-time recovery codes); accounts/ drives them.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # The product's apps, lowest floor first (docs/architecture.md).
    "core",
    "accounts",
    "cadres",
    "assessment",
    "indicators",
    "supervision",
    "feedback",
    # The site on top: the cross-domain dashboard, the demo loader, backups (docs/architecture.md).
    "assessment.site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "assessment.site.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "assessment.site.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Tells whether this session's second factor is verified (request.user.is_verified()).
    "django_otp.middleware.OTPMiddleware",
    "assessment.site.middleware.SessionLifetimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Every page needs a login unless its view is marked login_not_required (login, language).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Then the second factor, and a password that has not expired, before any other view (admin included).
    "accounts.middleware.AccountGateMiddleware",
    # Axes goes last so that it sees the outcome of the authentication attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "assessment.urls"
WSGI_APPLICATION = "assessment.wsgi.application"
ASGI_APPLICATION = "assessment.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / env_str("SQLITE_NAME", "db.sqlite3"),
            # Waiting for a lock beats failing when the eager worker and a request write together.
            "OPTIONS": {"timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication and sessions ------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Level 3 asks for periodic change (ASVS does not; docs/security.md explains). 0 turns it off.
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "accounts.validators.CharacterClassValidator",
        "OPTIONS": {"min_classes": env_int("PASSWORD_MIN_CHARACTER_CLASSES", 3)},
    },
    # Records when each password is saved; the account gate sends an expired one to the change form.
    {"NAME": "accounts.validators.PasswordAgeValidator", "OPTIONS": {"max_age_days": PASSWORD_MAX_AGE_DAYS}},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Idle timeout: the cookie's age is renewed on every request, so it runs out after this much idleness.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
# However active, a session ends this many hours after its login (assessment.site.middleware.SessionLifetimeMiddleware).
SESSION_ABSOLUTE_HOURS = env_int("SESSION_ABSOLUTE_HOURS", 12)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
# Accounts are locked by user name. Locking by address as well (axes.W006) would lock a whole
# office out, since an intranet's users often reach the server through one NAT address.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# The second factor (accounts.second_factor): the name authenticator apps show beside the code.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "干部考核与监督平台")
# Accounts nobody has logged into for this many days are deactivated each night (accounts.tasks).
ACCOUNT_INACTIVE_DAYS = env_int("ACCOUNT_INACTIVE_DAYS", 90)
# The audit log is kept at least this long; nothing younger can be purged (GB/T 22239: 180 days at least).
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 180)
if AUDIT_RETENTION_DAYS < 180:
    raise ImproperlyConfigured("AUDIT_RETENTION_DAYS must be at least 180")
# The longest a break-glass superuser (manage.py break_glass) may last.
BREAK_GLASS_MAX_HOURS = env_int("BREAK_GLASS_MAX_HOURS", 8)

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production serves files collected here; a local installation serves them from static/ directly.
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "var" / "staticfiles") if PRODUCTION else None
# Private files (original uploads, attachments) live outside the web root and are served only
# through permission-checked views.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT") or BASE_DIR / "var" / "private")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": PRIVATE_MEDIA_ROOT}},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Production serves the collected, hashed files; a local installation serves straight from static/.
WHITENOISE_USE_FINDERS = not PRODUCTION

UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_MB", 20) * 1024 * 1024
UPLOAD_MAX_ROWS = env_int("UPLOAD_MAX_ROWS", 20000)
UPLOAD_MAX_COLUMNS = env_int("UPLOAD_MAX_COLUMNS", 300)
# Documents users attach (a record's decisions and scans, a rectification's evidence). The older name of
# the variable, from when only supervision records had attachments, is still read.
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_MB", env_int("SUPERVISION_ATTACHMENT_MAX_MB", 20)) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Celery ---------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# What may limit a cadre's annual grade (assessment/grade_limits.py): functions (cadre_ids, year) ->
# {cadre id: [limit, ...]} of the parts of the product above the assessment floor.
GRADE_LIMIT_SOURCES = ["supervision.grade_rules.grade_restrictions"]

CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Run by `celery -A assessment beat` (not in tests). Points expire as records age out of the
# 12-month window, so every cadre, unit and efficiency warning is re-evaluated each night.
CELERY_BEAT_SCHEDULE = {
    # The outbox's sweeper (core.jobs): queues the jobs the broker missed while it was down and
    # the jobs whose worker died. A sweep not started within the minute is dropped; the next one comes.
    "outbox-sweeper": {
        "task": "core.tasks.sweep_jobs",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 50},
    },
    # Accounts unused for ACCOUNT_INACTIVE_DAYS are deactivated; expired break-glass superusers end.
    "accounts-disable-inactive": {
        "task": "accounts.tasks.disable_inactive_accounts_daily",
        "schedule": crontab(hour=1, minute=30),
    },
    "accounts-end-expired-break-glass": {
        "task": "accounts.tasks.end_expired_break_glass_hourly",
        "schedule": crontab(minute=5),
    },
    "supervision-nightly-evaluation": {
        "task": "supervision.tasks.evaluate_supervision_nightly",
        "schedule": crontab(hour=2, minute=0),
    },
    # After the nightly evaluation, so a month's report reads that night's warnings.
    "supervision-periodic-reports": {
        "task": "supervision.tasks.generate_due_supervision_reports",
        "schedule": crontab(hour=3, minute=0),
    },
}

# --- Security -------------------------------------------------------------------------------
# ID numbers and phone numbers are encrypted at rest (cadres.personal_data). Production brings its
# own keys, kept apart from the database backups: FIELD_ENCRYPTION_KEYS (Fernet keys, the first
# encrypts, all decrypt: rotation) and FIELD_HASH_KEY (the key of the searchable digests, which
# cannot change without recomputing them). A local installation derives both from its SECRET_KEY.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [])
FIELD_HASH_KEY = env_str("FIELD_HASH_KEY")
if PRODUCTION and (not FIELD_ENCRYPTION_KEYS or len(FIELD_HASH_KEY) < 32):
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEYS and FIELD_HASH_KEY (at least 32 characters) must be set in production")


def _derived_key(purpose: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(f"{purpose}:{SECRET_KEY}".encode()).digest()).decode()


FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or [_derived_key("field-encryption")]
FIELD_HASH_KEY = FIELD_HASH_KEY or _derived_key("field-hash")
# Officers may not open their own supervision file nor one of a relative tied to them this way.
RECUSAL_RELATIONS = env_list("RECUSAL_RELATIONS", ["配偶", "父母", "子女", "兄弟姐妹", "配偶的父母", "子女的配偶"])
# Behind a TLS-terminating proxy in production; the embedded default serves plain HTTP locally.
SECURE_HTTPS = env_bool("SECURE_HTTPS", PRODUCTION)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = SECURE_HTTPS
SECURE_HSTS_SECONDS = 31536000 if SECURE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = SECURE_HTTPS
if SECURE_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Everything is served from this server (no CDN on a government intranet) and nothing runs inline.
CONTENT_SECURITY_POLICY = env_str("CONTENT_SECURITY_POLICY") or (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self';"
    " connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
CSRF_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Eager mode uses an in-memory broker, about which kombu warns that it has no host name.
        "kombu.connection": {"level": "ERROR" if not REDIS_URL else "WARNING"},
    },
}

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"
DJANGO_TABLES2_PAGE_RANGE = 8

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
