"""Django settings, all read from the environment (see config/env.py and README "Configuration").

Production: DATABASE_URL=postgres://..., CELERY_BROKER_URL=redis://..., SECRET_KEY set, DEBUG off.
Embedded defaults (the README's run command): a SQLite file in WAL mode and Celery's filesystem broker,
so the demo needs no server besides the Docker engine.
"""

from __future__ import annotations

import hashlib
import socket
import warnings
from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.database_url import parse_database_url
from config.env import env_bool, env_int, env_list, env_str
from sandbox import SandboxConfig

BASE_DIR = Path(__file__).resolve().parent.parent.parent  # the repository root
VAR_DIR = Path(env_str("GRADIENT_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "insecure-debug-only-key" if DEBUG else None)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",  # API tokens, stored hashed, that expire (web/tokens.py; the table is web.ApiToken)
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Two-factor sign-in (web/two_factor.py): authenticator apps (TOTP) and single-use backup codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "audit",
    "notices",  # notices on the site and by mail, per kind as each person chose (docs/notifications.md)
    "catalog",
    "courses",
    "grading",
    "similarity",  # similarity reports of an assignment's submissions (copydetect; docs/similarity.md)
    "lti_tool",  # django-lti: LMS registrations, deployments, contexts, the tool's keys (lti/, docs/lti.md)
    "lti",
    "web",
    "axes",  # sign-in throttling (web/lockouts.py)
    "config.apps.SiteConfig",  # the deployment's own system checks (config/checks.py)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # After an LTI launch, the launching LMS (only) may frame the site, and its cookies reach the frame (lti/).
    "lti.middleware.LtiFrameMiddleware",
    # Static files (the admin's, the API docs') served by the app itself in production, from STATIC_ROOT
    # after collectstatic, or from the apps' folders where none was run (WHITENOISE_USE_FINDERS).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before anything reads a body (the CSRF check reads request.POST): too large or not signed in, unread.
    "web.limits.RequestBodyLimitMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): this session gave a second-factor code
    "web.two_factor.TwoFactorMiddleware",  # a session that still owes its code stays on the code step
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into its 429 answer
]

ROOT_URLCONF = "web.urls"
WSGI_APPLICATION = "config.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "platform" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notices.context_processors.unread_notices",  # the header's "Notices (N)", read when shown
            ]
        },
    }
]

DATABASES = {
    "default": parse_database_url(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'gradient.sqlite3'}"), base_dir=BASE_DIR
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "roadmap"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    "web.lockouts.SignInThrottleBackend",  # first: refuses a locked-out client before any password is checked
    "django.contrib.auth.backends.ModelBackend",
    "accounts.sso.OidcBackend",  # single sign-on (below); answers only its own callback
]

# Single sign-on with OpenID Connect (mozilla-django-oidc; accounts/sso.py, docs/sso.md): on when OIDC_ISSUER
# and OIDC_CLIENT_ID are set. The endpoints come from the issuer's discovery document (cached an hour) unless
# set one by one. PKCE, state and nonce always. OIDC_CREATE_USERS=false: only people already linked, or whose
# provider-verified address a local user verified, may sign in.
OIDC_ISSUER = env_str("OIDC_ISSUER", "")
OIDC_RP_CLIENT_ID = env_str("OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET", "")
OIDC_RP_SCOPES = env_str("OIDC_SCOPES", "openid email profile")
OIDC_RP_SIGN_ALGO = env_str("OIDC_SIGN_ALGO", "RS256")
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "your university")  # the button: "Sign in with ..."
OIDC_CREATE_USER = env_bool("OIDC_CREATE_USERS", True)
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_JWKS_URI", "")
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT_S", 10)  # seconds per request to the provider
OIDC_DISCOVERY_TTL_S = 3600

# Mail (password resets): Django's SMTP backend where EMAIL_HOST is set; without it (the demo, scripts/run)
# every message is written to the web process's output instead, so the reader of the demo sees the link.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10  # seconds: a stalled mail server must not hold a web process for ever
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Gradient <gradient@localhost>")
# Notices (notices/, docs/notifications.md). Mail sent outside a request (workers, beat) links to the site
# through this address: set it to the site's public address in production.
GRADIENT_SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
NOTIFY_BACKLOG_S = env_int("NOTIFY_BACKLOG_S", 300)  # a result after a longer wait in the queue is announced
REMINDER_HOURS = env_int("REMINDER_HOURS", 24)  # deadline reminders this long before an assignment is due
DIGEST_HOUR_UTC = env_int("DIGEST_HOUR_UTC", 18)  # when the daily digests go out
# Password-reset requests, counted in the shared cache (CACHES below) over an hour: per address asked for and
# per client (its IP address: web.throttles.client_address, which reads X-Forwarded-For behind
# TRUSTED_PROXIES). Over either limit the page answers as always and sends nothing.
# The client limit is loose: a campus behind one NAT address may have a whole roster setting passwords at once.
GRADIENT_RESET_PER_ADDRESS = env_int("PASSWORD_RESET_PER_ADDRESS", 3)
GRADIENT_RESET_PER_CLIENT = env_int("PASSWORD_RESET_PER_CLIENT", 100)
GRADIENT_RESET_WINDOW_S = 3600
# A roster upload is checked and enrolled in one transaction: this many lines at most (a cohort's worth).
GRADIENT_ROSTER_MAX_ROWS = env_int("ROSTER_MAX_ROWS", 2000)
# The at-risk list (grading/at_risk.py, docs/roles.md): an assignment due within this many hours with no
# submission yet, and this many graded attempts on one open assignment without full marks.
GRADIENT_AT_RISK_DUE_HOURS = env_int("AT_RISK_DUE_HOURS", 48)
GRADIENT_AT_RISK_FAILED_ATTEMPTS = env_int("AT_RISK_FAILED_ATTEMPTS", 5)
# Accounts (docs/accounts.md). Open sign-up for the roadmap alone (/signup/): on for the demo (scripts/run sets
# DEBUG), off by default in production, where people join through a course's invitation or open sign-up.
GRADIENT_SIGNUP_OPEN = env_bool("SIGNUP_OPEN", DEBUG)
GRADIENT_SIGNUP_PER_CLIENT = env_int("SIGNUP_PER_CLIENT", 20)  # sign-up tries (refused ones too) per client an hour
GRADIENT_JOIN_MISSES_PER_HOUR = env_int("JOIN_MISSES_PER_HOUR", 30)  # unknown join codes tried per client
GRADIENT_VERIFY_EMAIL_MAX_AGE_S = env_int("VERIFY_EMAIL_DAYS", 7) * 86400  # a verification link's lifetime
GRADIENT_VERIFY_MAILS_PER_HOUR = 3  # "send the link again", per account
# Site administrators (is_staff) reach /admin/ only after a two-factor code in this session (and set a
# device up first); off by default so a fresh install's first administrator is not locked out.
GRADIENT_ADMIN_REQUIRES_2FA = env_bool("ADMIN_REQUIRES_2FA", False)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Gradient")  # the name authenticator apps show

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "platform" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # the demo and tests serve static files without a collectstatic
# ...and so have no STATIC_ROOT folder, which WhiteNoise would warn about at every start.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

# Uploads: a submission's size cap is SANDBOX.max_upload_bytes (GRADIENT_MAX_UPLOAD_BYTES), enforced by
# grading.intake and the sandbox; a whole request body is capped before it is read (GRADIENT_MAX_REQUEST_BYTES,
# below). Django's own limits here only decide what is kept in memory while reading.
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = env_str("FILE_UPLOAD_TEMP_DIR", "") or None  # the system's temporary folder unless set

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response (django-csp): scripts, styles, images and fetches from this site
# only, and no inline script or style anywhere (templates keep CSS in static/gradient/site.css and scripts in
# static files). A student's text that slipped past escaping still could not run. Plots are inline SVG
# (allowed); images in feedback are data: URLs. Views that need more widen it for themselves only (the API
# docs' Swagger UI sets inline styles; LTI launches are framed by their registered LMS).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Behind HTTPS (HTTPS=true in production, see deploy/env.example): secure cookies, HSTS, a redirect from
# plain HTTP, and the proxy's X-Forwarded-Proto header trusted only where the proxy sets it.
HTTPS = env_bool("HTTPS", False) and not DEBUG
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("TRUST_X_FORWARDED_PROTO", False):  # only behind a proxy that overwrites the header
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the container's health check speaks plain HTTP inside the network
# HSTS preloading is a promise to browsers that is hard to take back: opt-in (SECURE_HSTS_PRELOAD), and the
# deploy check's reminder about it is silenced until then.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that a refused token is a 401 with WWW-Authenticate: Token (clients know to sign in again).
        "web.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "web.api_errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Scores are exact decimals in the database; the API gives them as JSON numbers (at most four decimal
    # places, so the number a client parses is the decimal that was stored), as it always has.
    "COERCE_DECIMAL_TO_STRING": False,
}
GRADIENT_SUBMISSION_RATE = env_str("SUBMISSION_RATE", "30/min")  # per user, on the submission endpoints
# API tokens (web/tokens.py): django-rest-knox's, hashed, in our own table; a fixed lifetime from sign-in.
KNOX_TOKEN_MODEL = "web.ApiToken"  # noqa: S105 - a model name, not a secret
REST_KNOX = {
    "TOKEN_MODEL": KNOX_TOKEN_MODEL,
    "TOKEN_TTL": timedelta(days=env_int("API_TOKEN_DAYS", 30)),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}
GRADIENT_API_TOKENS_PER_USER = env_int("API_TOKENS_PER_USER", 50)
# knox's own token table is swapped for ours: without this, its migrations would still create it, empty.
MIGRATION_MODULES = {"knox": None}
# The throttle counts live in the cache: Redis where configured (shared by every web process).
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("CACHE_URL"),
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", ""),  # for a Redis database shared with other sites
        }
        if env_str("CACHE_URL", "")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Without CACHE_URL each process counts on its own: `check --deploy` reports it, and a production web
# process (DEBUG off, PostgreSQL) refuses to start (config/checks.py).
# The client of per-client limits is REMOTE_ADDR, or behind this many reverse proxies the address the outermost
# one wrote into X-Forwarded-For. deploy/nginx.conf, meant to face the clients, overwrites the header with the
# address it saw (TRUSTED_PROXIES=1); a further proxy in front of it must append instead (nginx:
# $proxy_add_x_forwarded_for), or every client would look like that one proxy.
GRADIENT_TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)

# Sign-in throttling (django-axes; web/lockouts.py): failed password sign-ins on /login/, /admin/login/ and
# /api/v1/token/ counted in the database (shared by every web process) per (user name, client address), and
# more loosely per client address alone. A locked-out pair is refused, right password included, until
# SIGNIN_COOLOFF_MINUTES after its last failure; attempts while locked do not extend it.
AXES_HANDLER = "web.lockouts.SignInAttempts"
AXES_FAILURE_LIMIT = env_int("SIGNIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("SIGNIN_COOLOFF_MINUTES", 15))
GRADIENT_SIGNIN_FAILURES_PER_CLIENT = env_int("SIGNIN_FAILURES_PER_CLIENT", 100)  # 0: no per-client limit
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True  # a success clears that pair's failures
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "web.throttles.client_address"
AXES_LOCKOUT_CALLABLE = "web.lockouts.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # no row per successful sign-in: only failures are kept, for the cool-off
AXES_VERBOSE = False
SPECTACULAR_SETTINGS = {
    "TITLE": "Gradient API",
    "DESCRIPTION": "Submit work, follow grading runs, read feedback. Errors: {\"error\": {code, message, details}}.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request bodies get their own components, so uploads show as files (binary), not as URLs.
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the sidecar package: no CDN (the site works offline).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# --------------------------------------------------------------------- exercises and the sandbox
GRADIENT_EXERCISES_DIR = Path(env_str("GRADIENT_EXERCISES_DIR", str(BASE_DIR / "exercises")))
GRADIENT_GRADERS_DIR = Path(env_str("GRADIENT_GRADERS_DIR", str(BASE_DIR / "graders")))
# A deployment's own exercises beside ours (catalog/sources.py): graders/ here is public, so a course's hidden
# tests live in further folders, each holding exercises/ and graders/ trees like ours, ...
GRADIENT_EXERCISE_SOURCES = [Path(folder) for folder in env_list("GRADIENT_EXERCISE_SOURCES", "")]


def _repository(item: str) -> tuple[str, str]:
    """``URL#REF``: a repository laid out like a source folder, and the branch or tag to check out."""
    url, _, ref = item.partition("#")
    if not url.strip():
        raise ImproperlyConfigured(f"GRADIENT_EXERCISE_REPOS: {item!r} names no repository (URL#REF)")
    return url.strip(), ref.strip() or "HEAD"


# ... or in git repositories (comma-separated URL#REF), cloned and fetched into GRADIENT_EXERCISE_CACHE_DIR by
# `manage.py sync_exercises` only (workers grade from the versions' stored snapshots, never from a clone).
GRADIENT_EXERCISE_REPOS = [_repository(item) for item in env_list("GRADIENT_EXERCISE_REPOS", "")]
GRADIENT_EXERCISE_CACHE_DIR = Path(env_str("GRADIENT_EXERCISE_CACHE_DIR", str(VAR_DIR / "exercise-sources")))
# The sandbox's settings, read from the environment in ONE place (sandbox/config.py: SANDBOX_WORK_DIR,
# GRADIENT_MAX_UPLOAD_BYTES, SANDBOX_RUNTIME, SANDBOX_IMAGE_PREFIX...) and passed to every sandbox call. The
# workers unpack each grader version's stored files under SANDBOX.work_dir/graders/<digest>.
SANDBOX = SandboxConfig.from_env()
# The largest request body taken at all (web/limits.py); unset (0): a submission's files (the upload cap above)
# plus 1 MiB for the multipart form around them. Checked on the declared Content-Length (and on chunked bodies
# as they are read) before any of the body is read or written anywhere; deploy/nginx.conf's
# client_max_body_size should match it.
GRADIENT_MAX_REQUEST_BYTES = env_int("GRADIENT_MAX_REQUEST_BYTES", 0)
# From a client not signed in, bodies over this are refused unread (sign-in, sign-up, LTI launch forms are far
# smaller). Keep it under FILE_UPLOAD_MAX_MEMORY_SIZE: then nothing they send is ever written to disk.
GRADIENT_MAX_ANONYMOUS_REQUEST_BYTES = env_int("GRADIENT_MAX_ANONYMOUS_REQUEST_BYTES", 64 * 1024)
# The platform's default limits for every exercise, which exercise metadata may override.
SANDBOX_DEFAULT_LIMITS = {
    "wall_s": env_int("SANDBOX_WALL_S", 60),
    "memory_mb": env_int("SANDBOX_MEMORY_MB", 512),
    "call_timeout_s": env_int("SANDBOX_CALL_TIMEOUT_S", 5),
}
# Box pairs a worker keeps started ahead of time, per kind of run (0 turns the warm pool off), and how long an
# unused one may wait before it is removed. See sandbox/pool.py.
SANDBOX_WARM_POOL = env_int("SANDBOX_WARM_POOL", 1)
SANDBOX_WARM_IDLE_S = env_int("SANDBOX_WARM_IDLE_S", 300)
SANDBOX_GPU = env_bool("SANDBOX_GPU", False)  # does this deployment have a GPU worker?
# Handed to the hidden grader (never to the student box) with each run: graders mix it into the seeds of
# hidden evaluation data, which graders/ (public in this open-source repository) cannot keep secret alone.
# Derived from SECRET_KEY unless set; changing it changes every challenge's hidden data.
GRADER_SECRET = env_str("GRADER_SECRET", "") or hashlib.sha256(
    b"gradient-grader-secret:" + str(SECRET_KEY).encode()
).hexdigest()

# --------------------------------------------------------------------- Celery
# Redis in production and in the tests; Celery's filesystem transport for the embedded demo.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
_broker_dir = VAR_DIR / "broker"
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = (
    {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # its exchange tables (else ./control in the cwd)
        "store_processed": False,
        "polling_interval": 0.1,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {"visibility_timeout": 3600}  # above the hard time limit, so a running task is not redelivered
)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 1000  # above the sandbox's maximum wall time (900 s)
CELERY_TASK_TIME_LIMIT = 1100
CELERY_TASK_DEFAULT_QUEUE = "cpu"
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
GRADING_LEASE_S = env_int("GRADING_LEASE_S", 120)  # a run's claim lapses unless the worker renews it
GRADING_MAX_DELIVERIES = env_int("GRADING_MAX_DELIVERIES", 3)
# Recorded on each run a worker claims (GradingRun.worker): which host graded it. Name each worker host.
WORKER_NAME = env_str("WORKER_NAME", "") or socket.gethostname()
# /metrics (grading/metrics.py) answers only a request bearing this token (Authorization: Bearer ...);
# unset, it answers 404.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
# A run that failed on our side goes back to the queue after this many seconds, doubled on each later try.
GRADING_RETRY_DELAY_S = env_int("GRADING_RETRY_DELAY_S", 15)
# The fair queue (grading.dispatch.admit): a student has at most one run waiting in the broker's queue, so a
# burst from one student waits behind everyone else's first submission. On by default since
# tests/load/test_burst.py graded its 500 runs as fast with it (1.90/s) as without (1.91/s), 2026-12-07.
GRADING_FAIR_QUEUE = env_bool("GRADING_FAIR_QUEUE", True)
# Runs of these images go to the "cpu-long" queue (seconds each), the others to "cpu" (well under one);
# empty: every CPU run in "cpu".
GRADING_LONG_QUEUE_IMAGES = env_list("GRADING_LONG_QUEUE_IMAGES", "ml")
GRADING_QUEUE_PREFIX = env_str("GRADING_QUEUE_PREFIX", "")  # e.g. "staging-": workers then take -Q staging-cpu
# Similarity reports (similarity/, docs/similarity.md): copydetect's noise threshold (k-gram length, in
# characters of tokenized code) and guarantee threshold (matches this long are always found; the winnowing
# window is their difference + 1); pairs below the minimum (percent of either side) are dropped, and the top
# SIMILARITY_MAX_PAIRS kept.
SIMILARITY_NOISE_THRESHOLD = env_int("SIMILARITY_NOISE_THRESHOLD", 25)
SIMILARITY_GUARANTEE_THRESHOLD = env_int("SIMILARITY_GUARANTEE_THRESHOLD", 30)
SIMILARITY_MIN_PERCENT = env_int("SIMILARITY_MIN_PERCENT", 10)
SIMILARITY_MAX_PAIRS = env_int("SIMILARITY_MAX_PAIRS", 200)
# LTI (lti/, docs/lti.md): a launch whose course's roster was last read from the LMS longer ago than this
# reads it again (Names and Role Provisioning), in a Celery task.
LTI_ROSTER_SYNC_EVERY_S = env_int("LTI_ROSTER_SYNC_EVERY_S", 3600)
CELERY_BEAT_SCHEDULE = {
    "requeue-stuck-runs": {"task": "grading.sweep", "schedule": 60.0},
    "lti-release-scores": {"task": "lti.release_scores", "schedule": 60.0},  # scores held until a due date
    "lti-prune": {"task": "lti.prune", "schedule": 3600.0},
    "deadline-reminders": {"task": "grading.remind_deadlines", "schedule": 3600.0},  # grading/reminders.py
    "notice-digests": {"task": "notices.send_digests", "schedule": crontab(minute=0, hour=DIGEST_HOUR_UTC)},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django-axes says each failed sign-in at WARNING (what to watch); its INFO lines repeat them.
    "loggers": {"axes": {"level": "WARNING"}},
}
