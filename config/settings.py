"""ABL Desk settings: one file, every value from the environment.

docs/settings.md lists each variable and what it means.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str, load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env")

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])
# The site's address in printouts and e-mail links, without a trailing slash (links add "/...").
SITE_URL = env_str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "abl",
    "covenants",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.NoStoreMiddleware",
    "config.middleware.SessionRefreshMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "abl.middleware.TwoFactorGate",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it answers a locked-out login.
    "axes.middleware.AxesMiddleware",
]
if DEBUG:
    # runserver serves static files itself; WhiteNoise serves the collected ones in production.
    MIDDLEWARE.remove("whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "abl.context_processors.navigation",
            ],
        },
    },
]

# Database: PostgreSQL in production and CI; a SQLite file by default so the
# demo runs on a machine with nothing installed.
DATABASE_URL = env_str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
# A web process keeps its connection for CONN_MAX_AGE seconds; the health check tries a
# kept connection before a request's first query and opens a new one if the server
# restarted meanwhile, instead of answering 500 (docs/deployment.md).
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "abl.User"
# django-axes first: it counts failed logins and refuses a locked-out one
# (its limits are under "Login protection and sessions" at the end).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_VERBOSE = False  # no banner on every command's output
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", default="America/New_York")
USE_I18N = True
FORMAT_MODULE_PATH = ["config.formats"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery: Redis is the broker when REDIS_URL is set; otherwise tasks run in the
# calling process, so the demo needs no services.
REDIS_URL = env_str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Reliability: a task is acknowledged only when it has finished, and given
# back to the queue when its worker process dies; Redis hands an unacknowledged
# task to another worker after the visibility timeout.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", default=600)
# The outbox (abl/outbox.py): tasks written in their transaction, sent on commit or by the
# relay (manage.py relay_outbox), which looks every ABL_OUTBOX_POLL_SECONDS, waits at most
# ABL_OUTBOX_RETRY_MAX_SECONDS between tries of a message the broker refused, and deletes
# sent messages after ABL_OUTBOX_RETENTION_DAYS.
ABL_OUTBOX_POLL_SECONDS = env_int("ABL_OUTBOX_POLL_SECONDS", default=1)
ABL_OUTBOX_RETRY_MAX_SECONDS = env_int("ABL_OUTBOX_RETRY_MAX_SECONDS", default=60)
ABL_OUTBOX_RETENTION_DAYS = env_int("ABL_OUTBOX_RETENTION_DAYS", default=7)
if ABL_OUTBOX_POLL_SECONDS < 1 or ABL_OUTBOX_RETRY_MAX_SECONDS < 1 or ABL_OUTBOX_RETENTION_DAYS < 1:
    raise ImproperlyConfigured(
        "ABL_OUTBOX_POLL_SECONDS, ABL_OUTBOX_RETRY_MAX_SECONDS and ABL_OUTBOX_RETENTION_DAYS "
        "are at least 1."
    )
# Webhooks (docs/webhooks.md): how long a receiver has to answer a delivery, and whether
# endpoints on private addresses (loopback, the LAN, link-local, cloud metadata) are fetched.
ABL_WEBHOOK_TIMEOUT_SECONDS = env_int("ABL_WEBHOOK_TIMEOUT_SECONDS", default=10)
ABL_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("ABL_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False)
if ABL_WEBHOOK_TIMEOUT_SECONDS < 1:
    raise ImproperlyConfigured("ABL_WEBHOOK_TIMEOUT_SECONDS is at least 1.")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    # How often a worker looks for tasks whose worker died (seconds, and every Nth look scans).
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env_int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}
# The shared cache (two computations compared, abl/views/presenters.py): Redis when
# REDIS_URL is set, so every web process shares it; this process's memory otherwise (the demo).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
CACHES["default"]["KEY_PREFIX"] = env_str("ABL_CACHE_KEY_PREFIX", default="abl")
# django-celery-beat's database scheduler, which first restores config/celery.py's entries.
CELERY_BEAT_SCHEDULER = "abl.beat:Scheduler"
# The beat schedule is config/celery.py's: its crontabs import Celery.

# Reminders of a report still open (docs/reporting.md): days before and after its due date.
ABL_REMINDER_DAYS_BEFORE = env_int("ABL_REMINDER_DAYS_BEFORE", default=3)
ABL_REMINDER_DAYS_AFTER = env_int("ABL_REMINDER_DAYS_AFTER", default=1)
if ABL_REMINDER_DAYS_BEFORE < 1 or ABL_REMINDER_DAYS_AFTER < 1:
    raise ImproperlyConfigured(
        "ABL_REMINDER_DAYS_BEFORE and ABL_REMINDER_DAYS_AFTER are at least 1."
    )
CELERY_TIMEZONE = TIME_ZONE

# Collateral uploads (§2 of the rules): limits refused with a message.
ABL_UPLOAD_MAX_BYTES = env_int("ABL_UPLOAD_MAX_BYTES", default=200 * 1024 * 1024)
ABL_UPLOAD_MAX_ROWS = env_int("ABL_UPLOAD_MAX_ROWS", default=2_000_000)
ABL_UPLOAD_MAX_PROBLEMS = env_int("ABL_UPLOAD_MAX_PROBLEMS", default=50)
# A file of repayments with more data rows is refused (abl.services.loans.import_repayments);
# the import is booked within the request, so this bounds its time (docs/loans.md).
ABL_REPAYMENT_IMPORT_MAX_ROWS = env_int("ABL_REPAYMENT_IMPORT_MAX_ROWS", default=100_000)
ABL_XLSX_MAX_UNCOMPRESSED_BYTES = env_int(
    "ABL_XLSX_MAX_UNCOMPRESSED_BYTES", default=500 * 1024 * 1024
)
ABL_XLSX_MAX_ENTRIES = env_int("ABL_XLSX_MAX_ENTRIES", default=1000)
ABL_XLSX_MAX_RATIO = env_int("ABL_XLSX_MAX_RATIO", default=100)
# A file whose worker has not reported for this many seconds is taken over:
# by its task when redelivered, or by the sweep (abl.sweep_stuck_files).
ABL_FILE_CLAIM_TIMEOUT = env_int("ABL_FILE_CLAIM_TIMEOUT", default=300)
# After this many interrupted attempts the sweep refuses the file with a message.
ABL_FILE_MAX_ATTEMPTS = env_int("ABL_FILE_MAX_ATTEMPTS", default=3)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# The business date (§1 of the rules): "today" for every rule, YYYY-MM-DD;
# empty, the calendar date in TIME_ZONE. Read through abl.business_date.today().
import datetime as _dt  # noqa: E402  (kept beside the one setting that needs it)

ABL_BUSINESS_DATE = env_str("ABL_BUSINESS_DATE", default="").strip()
if ABL_BUSINESS_DATE:
    try:
        _dt.date.fromisoformat(ABL_BUSINESS_DATE)
    except ValueError:
        raise ImproperlyConfigured(
            f"ABL_BUSINESS_DATE must be a date as YYYY-MM-DD, not {ABL_BUSINESS_DATE!r}."
        ) from None

# A passing covenant whose headroom is within this fraction of its requirement
# is "at risk" (covenants/calc/engine.py). A decimal fraction: 0.10 is 10%.
from decimal import Decimal as _Decimal  # noqa: E402  (kept beside the one setting that needs it)
from decimal import InvalidOperation as _InvalidOperation  # noqa: E402

try:
    ABL_COVENANT_AT_RISK_PCT = _Decimal(env_str("ABL_COVENANT_AT_RISK_PCT", default="0.10").strip())
except _InvalidOperation:
    raise ImproperlyConfigured(
        "ABL_COVENANT_AT_RISK_PCT must be a decimal fraction such as 0.10."
    ) from None
if not (ABL_COVENANT_AT_RISK_PCT.is_finite() and 0 <= ABL_COVENANT_AT_RISK_PCT < 1):
    raise ImproperlyConfigured("ABL_COVENANT_AT_RISK_PCT must be a fraction from 0 up to (not) 1.")

# Email
EMAIL_HOST = env_str("EMAIL_HOST", default="")
EMAIL_PORT = env_int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", default="ABL Desk <abl-desk@localhost>")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)

# Security: secure by default whenever DEBUG is off (passes check --deploy).
_secure = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=_secure)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=_secure)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=_secure)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=31_536_000 if _secure else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=_secure)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=_secure)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="INFO")},
    "loggers": {},
}
if CELERY_TASK_ALWAYS_EAGER:
    # Tasks run in the calling process (the demo, a command without Redis): Celery's
    # "task succeeded" lines and kombu's note on the in-memory broker are noise there.
    LOGGING["loggers"] = {
        "celery.app.trace": {"level": "WARNING"},
        "kombu.connection": {"level": "ERROR"},
    }

# Content Security Policy and other headers
# (docs/security.md; django-csp writes the policy, config/middleware.py the Permissions-Policy).
# No inline script, no eval, no inline style: every script and stylesheet is a
# file under static/. htmx is told not to eval and not to inject its indicator
# <style> by the <meta name="htmx-config"> in templates/base.html. Bootstrap's
# CSS draws its select arrows and check marks as data: SVG images, hence data:
# in img-src. Report-only is off: a violation is refused, and the browser
# tests fail on one.
_SELF = "'self'"
_NONE = "'none'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "style-src": [_SELF],
        "img-src": [_SELF, "data:"],
        "font-src": [_SELF],
        "connect-src": [_SELF],
        "form-action": [_SELF],
        "frame-ancestors": [_NONE],
        "base-uri": [_NONE],
        "object-src": [_NONE],
    },
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# config.middleware.PermissionsPolicyMiddleware denies each of these to every page.
PERMISSIONS_POLICY = [
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "encrypted-media",
    "fullscreen",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "picture-in-picture",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
]

# Two-factor authentication (docs/security-two-factor.md): bank staff must use a
# second factor (an authenticator app, TOTP); borrowers may. Off, nobody is made
# to enrol or to enter a code.
ABL_TWO_FACTOR_REQUIRED = env_bool("ABL_TWO_FACTOR_REQUIRED", default=True)
OTP_TOTP_ISSUER = "ABL Desk"  # the name authenticator apps show beside the code
# A bank user enrols an authenticator app only with a one-time activation code an
# administrator issued (docs/security.md); the code works for this many hours.
ABL_TWO_FACTOR_ACTIVATION_HOURS = env_int("ABL_TWO_FACTOR_ACTIVATION_HOURS", default=72)
if ABL_TWO_FACTOR_ACTIVATION_HOURS < 1:
    raise ImproperlyConfigured("ABL_TWO_FACTOR_ACTIVATION_HOURS must be at least 1.")

# Audit trail and database roles (docs/deployment.md, "Database roles").
# DATABASE_URL is the application's connection: on PostgreSQL, a role that owns
# nothing it must not alter and may only INSERT and SELECT the audit trail.
# DATABASE_OWNER_URL, when set, is the role that owns the tables: the "owner"
# connection, used by `manage.py migrate --database owner` and
# `manage.py grant_app_role` only; web, worker and beat are never given it.
# ABL_AUDIT_VERIFY_HOUR: the hour (TIME_ZONE) of the nightly verify_audit check.
DATABASE_OWNER_URL = env_str("DATABASE_OWNER_URL", default="")
if DATABASE_OWNER_URL:
    DATABASES["owner"] = dj_database_url.parse(DATABASE_OWNER_URL)
# Every connection to PostgreSQL looks names up in `public` alone (pg_catalog is always first),
# so no function planted in another schema is ever called by an unqualified name.
for _database in DATABASES.values():
    if _database["ENGINE"] == "django.db.backends.postgresql":
        _database.setdefault("OPTIONS", {})["options"] = "-c search_path=public"
# AUDIT_KEY keys the audit trail's HMAC (abl/audit.py): set it in production, apart from the
# database and from SECRET_KEY; unset, it is derived from SECRET_KEY. AUDIT_ANCHOR_PATH is the
# append-only file of signed chain heads the nightly check writes (abl/anchors.py), where the
# database's roles cannot write.
AUDIT_KEY = env_str("AUDIT_KEY", default="")
AUDIT_ANCHOR_PATH = Path(
    env_str("AUDIT_ANCHOR_PATH", default=str(BASE_DIR / "var" / "audit-anchors.jsonl"))
)

# Login protection and sessions (docs/security-logins.md).
# django-axes locks a username *from one address* (the pair, not either alone)
# after AXES_FAILURE_LIMIT failed logins within AXES_COOLOFF_TIME hours, so a
# guesser cannot lock a person out from elsewhere, nor one office's shared
# address lock out everyone in it. Attempts made while locked are refused
# without being counted, so the lock ends at the time the lockout page names.
# abl.views.accounts.locked_out answers a locked login (429) and audits the
# lockout. A good login costs axes one SELECT and one DELETE of expired
# attempts; its access log (an INSERT per login, never read here) is off.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_TIME", default=1)  # hours
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_TIME < 1:
    raise ImproperlyConfigured("AXES_FAILURE_LIMIT and AXES_COOLOFF_TIME must be at least 1.")
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "abl.views.accounts.locked_out"
AXES_DISABLE_ACCESS_LOG = True
# A session ends SESSION_IDLE_TIMEOUT seconds after it was last saved, and
# config.middleware.SessionRefreshMiddleware saves it (pushing its expiry, in the
# database and the cookie, that far ahead) on a request when the last save is at
# least SESSION_REFRESH_INTERVAL seconds old: an idle session ends between
# SESSION_IDLE_TIMEOUT − SESSION_REFRESH_INTERVAL and SESSION_IDLE_TIMEOUT
# seconds after its last request, for one UPDATE a minute instead of one a page.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", default=1800)
SESSION_REFRESH_INTERVAL = env_int("SESSION_REFRESH_INTERVAL", default=60)
if not 0 <= SESSION_REFRESH_INTERVAL < SESSION_IDLE_TIMEOUT:
    raise ImproperlyConfigured(
        "SESSION_REFRESH_INTERVAL must be at least 0 and below SESSION_IDLE_TIMEOUT."
    )
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT

# The API (docs/api.md): /api/v1/, personal tokens only (abl.api.auth), errors as RFC 9457
# problem details (abl.api.problems), lists by cursor. ABL_API_THROTTLE_RATE is each token's
# allowance ("120/minute"); a token lasts ABL_API_TOKEN_DAYS unless made for fewer or more
# days, at most ABL_API_TOKEN_MAX_DAYS.
ABL_API_THROTTLE_RATE = env_str("ABL_API_THROTTLE_RATE", default="120/minute")
ABL_API_TOKEN_DAYS = env_int("ABL_API_TOKEN_DAYS", default=90)
ABL_API_TOKEN_MAX_DAYS = env_int("ABL_API_TOKEN_MAX_DAYS", default=366)
if not 1 <= ABL_API_TOKEN_DAYS <= ABL_API_TOKEN_MAX_DAYS:
    raise ImproperlyConfigured("ABL_API_TOKEN_DAYS must be 1 to ABL_API_TOKEN_MAX_DAYS.")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["abl.api.auth.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["abl.api.auth.TokenScope"],
    "DEFAULT_THROTTLE_CLASSES": ["abl.api.auth.PerTokenThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": ABL_API_THROTTLE_RATE},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "abl.api.pagination.Cursor",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "abl.api.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "SCHEMA_COERCE_PATH_PK": False,  # the schema says {pk}, as the URLs do
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ABL Desk API",
    "DESCRIPTION": "The pages' services as JSON (§16; docs/api.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "CollateralFileKindEnum": "abl.models.certificate.CollateralFile.Kind",
        "LedgerEntryKindEnum": "abl.models.loans.LedgerEntry.Kind",
        "RepaymentKindEnum": ["repayment", "collection"],
    },
}
