"""One environment-driven settings module; local/test/production only override a few defaults.

Environment:
    DATABASE_URL       default: a SQLite file (the embedded demo)
    DATABASE_APP_ROLE  PostgreSQL role the application runs as (RLS applies to it); default spm_app
    REDIS_URL          absent: Celery tasks run eagerly in-process; present: real broker + worker
    SECRET_KEY, DEBUG, ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS, EMAIL_URL
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "spm",
    "planning",
    "performance",
    "compensation",
    "analytics",
    "spm.hub",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "spm.background.RequestMarkerMiddleware",
    "spm.web.unavailable.DatabaseUnavailableMiddleware",  # a view's dropped DB connection: 503, not 500
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into the lockout answer
]

ROOT_URLCONF = "spm.urls"
WSGI_APPLICATION = "spm.wsgi.application"
ASGI_APPLICATION = "spm.asgi.application"

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
                "spm.context_processors.navigation",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
_database_url = env.str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
if not _database_url.startswith(("sqlite://", "postgres://", "postgresql://", "pgsql://")):
    raise ImproperlyConfigured(f"DATABASE_URL must be a sqlite:// or postgres:// URL, got {_database_url.split(':')[0]!r}")
DATABASES = {"default": env.db_url_config(_database_url)}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# A persistent connection is checked before its first use in each request: after a PostgreSQL
# restart the dead connection is replaced instead of failing every request until a process restart.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=True))
DATABASE_APP_ROLE = env.str("DATABASE_APP_ROLE", default="spm_app")
DATABASE_APP_PASSWORD = env.str("DATABASE_APP_PASSWORD", default="")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

# --- celery ---------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured("REDIS_URL must be a redis://, rediss:// or unix:// URL")
# The in-memory transport names a host: a bare "memory://" makes kombu log "No hostname was supplied".
MEMORY_BROKER_URL = "memory://localhost/"
CELERY_BROKER_URL = REDIS_URL or MEMORY_BROKER_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# Without a broker, a task started by a request runs on an in-process thread pool, never on the
# request thread (spm/background.py). Tests turn it off to see finished work when delay() returns.
SPM_BACKGROUND_TASKS = env.bool("SPM_BACKGROUND_TASKS", default=not REDIS_URL)
SPM_BACKGROUND_WORKERS = env.int("SPM_BACKGROUND_WORKERS", default=2)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A run or import still `queued` this long after it was sent, with the broker's queue empty, lost its
# message (Redis restarted without persistence): the sweepers below send it again.
SPM_RESEND_QUEUED_AFTER = env.int("SPM_RESEND_QUEUED_AFTER", default=60)
CELERY_BEAT_SCHEDULE: dict = {
    "release-stale-calculation-runs": {"task": "compensation.tasks.release_stale_runs", "schedule": 600.0},
    "resend-lost-calculation-runs": {"task": "compensation.tasks.resend_lost_runs", "schedule": 60.0},
    "resend-lost-import-jobs": {"task": "spm.hub.tasks.resend_lost_imports", "schedule": 60.0},
    # Daily at 06:00 UTC: refresh risk alerts in every tenant and e-mail owners and managers a digest.
    "alerts-daily-digest": {"task": "performance.tasks.alerts_daily_digest",
                            "schedule": crontab(hour=6, minute=0)},
    # Daily at 05:00 UTC: holds past their release date post into the current month (then recalculated).
    "holds-release-due": {"task": "compensation.tasks.holds_release_daily", "schedule": crontab(hour=5, minute=0)},
    # Daily at 07:00 UTC: approvers are reminded of statements waiting longer than APPROVAL_REMINDER_DAYS
    # (each statement's step at most once a day, however often the job runs).
    "approval-reminders": {"task": "compensation.tasks.approval_reminders_daily",
                           "schedule": crontab(hour=7, minute=0)},
    # Daily just after midnight: pipeline summaries hold one day's aging, so roll them to the new day.
    "pipeline-summaries-daily": {"task": "performance.tasks.pipeline_summaries_daily",
                                 "schedule": crontab(hour=0, minute=5)},
}
APPROVAL_REMINDER_DAYS = env.int("APPROVAL_REMINDER_DAYS", default=3)
if APPROVAL_REMINDER_DAYS < 0:
    raise ImproperlyConfigured("APPROVAL_REMINDER_DAYS must be 0 or more")

# --- cache ----------------------------------------------------------------------------------
# With Redis, one cache shared by every server process (a figure computed by one gunicorn worker
# serves the others), failing open: Redis down is a cache miss, never an error (spm/cache_backend.py).
# Without it, each process keeps its own. Sessions and the login lockout (axes) live in the database;
# the API's sign-in throttle counts in this cache.
CACHE_KEY_PREFIX = "spm-cache"
CACHES = {"default": ({"BACKEND": "spm.cache_backend.FailOpenRedisCache", "LOCATION": REDIS_URL,
                       "KEY_PREFIX": CACHE_KEY_PREFIX} if REDIS_URL else
                      {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"})}

# --- auth -----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out username/address pair
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling and lockout (django-axes): 5 failures of one username from one address lock
# that pair out for 15 minutes; a success resets the count. Attempts are kept in the database.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "spm.security.lockout.lockout_response"
AXES_USERNAME_FORM_FIELD = "username"
AXES_SENSITIVE_PARAMETERS = ["password", "token"]
AXES_VERBOSE = False
# Sessions: HTTP-only, same-site, 8 hours; secure cookies wherever HTTPS is in front (production).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True  # pages put the token in the markup (hx-headers); no script reads the cookie
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts only from our own static files — no inline <script>,
# no on*= handlers, no eval. Charts: JSON in <script type="application/json" data-chart> blocks,
# drawn by static/js/charts.js (see docs/architecture.md, "Content-Security-Policy").
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],  # style="" attributes (progress bars) and plotly's styles
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
LOGIN_URL = "login"
# Single sign-on (spm.sso): a provider's issuer must be https:// unless this is on (development,
# and the tests' in-process provider on http://127.0.0.1).
SSO_ALLOW_HTTP_ISSUER = env.bool("SSO_ALLOW_HTTP_ISSUER", default=False)
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Revenue Command Center <noreply@localhost>")

# --- i18n / static --------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate challenge makes an anonymous call a 401, as the schema says.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "spm.api.schema.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["spm.api.filters.BoundedFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "spm.api.pagination.DefaultCursorPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "spm.api.exceptions.exception_handler",
    # Token sign-in is throttled per address (on top of the axes lockout); answers 429 + Retry-After.
    "DEFAULT_THROTTLE_RATES": {"login": env.str("LOGIN_THROTTLE_RATE", default="20/min")},
    # JSON only: the OpenAPI schema and Swagger UI (/api/docs/) are the browsable documentation.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Revenue Command Center API",
    "DESCRIPTION": "Plan, perform and pay. Every tenant resource lives under /api/v1/t/{tenant}/.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Schema generation inspects querysets outside any tenant scope: use the unscoped manager (it
    # only builds `.none()` querysets; nothing is read).
    "DEFAULT_QUERY_MANAGER": "all_tenants",
    # Choice sets that share a field name ("kind", "role"/"default_role"): one named enum each.
    "ENUM_NAME_OVERRIDES": {
        "ActivityKindEnum": "performance.activities.models.Activity.Kind",
        "EarningLineKindEnum": "compensation.models.EarningLine.Kind",
        "RoleEnum": "spm.roles.Role",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Secrets never logged: every line is scrubbed (spm/security/logging.py).
    "filters": {"secrets": {"()": "spm.security.logging.SecretFilter"}},
    "formatters": {"plain": {"()": "spm.security.logging.ScrubbingFormatter",
                             "format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["secrets"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}


def require_secret_key() -> None:
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set in the environment")
