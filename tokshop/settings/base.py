"""Settings shared by every environment; each integration stays off until its variable is set."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

SECRET_KEY = env("DJANGO_SECRET_KEY", default="django-insecure-tokshop-development-key-not-for-production")
DEBUG = env.bool("DJANGO_DEBUG", default=True)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "csp",
    "channels",
    "tokshop.core",
    "tokshop.users",
    "tokshop.notifications",
    "commerce",
    "analytics",
    "moderation",
    "shows",
    "auctions",
]

MIDDLEWARE = [
    "analytics.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Records the browser and address of signed-in people, for linked-account checks (decision 0024).
    "tokshop.users.middleware.AccountSignalsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks, so it sees the outcome of every authentication attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tokshop.urls"
ASGI_APPLICATION = "tokshop.asgi.application"
WSGI_APPLICATION = "tokshop.wsgi.application"

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
                "tokshop.core.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# With DATABASE_URL unset the site runs on an embedded SQLite file (the "embedded default").
DATABASE_URL = env("DATABASE_URL", default="")
DATABASE_POOL_MIN_SIZE = env.int("DATABASE_POOL_MIN_SIZE", default=2)
DATABASE_POOL_MAX_SIZE = env.int("DATABASE_POOL_MAX_SIZE", default=10)
if DATABASE_URL:
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
    # psycopg's pool replaces persistent connections; CONN_MAX_AGE must stay 0 with it.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "pool": {"min_size": DATABASE_POOL_MIN_SIZE, "max_size": DATABASE_POOL_MAX_SIZE, "timeout": 10},
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
            # WAL and immediate transactions keep the one-process embedded site free of
            # "database is locked" errors between the web thread and socket threads.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, cache, Celery broker, realtime streams ------------------------------
# redis-py raises instead of waiting when a pool is full, so every client gets an explicit size.
REDIS_URL = env("REDIS_URL", default="")
# Sized for a burst of a thousand sockets joining or leaving one process at once.
REDIS_CHANNEL_LAYER_MAX_CONNECTIONS = env.int("REDIS_CHANNEL_LAYER_MAX_CONNECTIONS", default=1000)
REDIS_CACHE_MAX_CONNECTIONS = env.int("REDIS_CACHE_MAX_CONNECTIONS", default=100)
REDIS_BROKER_MAX_CONNECTIONS = env.int("REDIS_BROKER_MAX_CONNECTIONS", default=20)
REDIS_REALTIME_MAX_CONNECTIONS = env.int("REDIS_REALTIME_MAX_CONNECTIONS", default=100)
# The bid engine's own clients: a burst of bids waits for one of these, never for the room's.
AUCTION_ENGINE_MAX_CONNECTIONS = env.int("AUCTION_ENGINE_MAX_CONNECTIONS", default=50)
REDIS_KEY_PREFIX = env("REDIS_KEY_PREFIX", default="tokshop")
EMBEDDED = not REDIS_URL

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # channels-redis waits for messages with a 5 s blocking pop; redis-py's default 5 s
                # socket timeout would often give up first and kill the consumer.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "max_connections": REDIS_CHANNEL_LAYER_MAX_CONNECTIONS,
                        "socket_timeout": 10,
                    }
                ],
                "prefix": f"{REDIS_KEY_PREFIX}:asgi",
                "capacity": 1500,
                "expiry": 30,
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX,
            "OPTIONS": {
                "CONNECTION_POOL_KWARGS": {"max_connections": REDIS_CACHE_MAX_CONNECTIONS},
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tokshop"}}

# The realtime event streams (sequence numbers, catch-up, per-process fan-out).
REALTIME = {
    "REDIS_URL": REDIS_URL,
    "MAX_CONNECTIONS": REDIS_REALTIME_MAX_CONNECTIONS,
    "KEY_PREFIX": f"{REDIS_KEY_PREFIX}:rt",
    # Events kept per stream for catch-up; a client further behind gets a fresh snapshot.
    "STREAM_LENGTH": env.int("REALTIME_STREAM_LENGTH", default=1000),
    "MAX_FRAME_BYTES": 8192,
    # Per-socket token bucket: sustained frames per second, and the burst allowed above it.
    "FRAME_RATE": 10,
    "FRAME_BURST": 20,
    "TICKET_TTL_SECONDS": 30,
}

# --- Celery ------------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = EMBEDDED
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_BROKER_POOL_LIMIT = REDIS_BROKER_MAX_CONNECTIONS
CELERY_REDIS_MAX_CONNECTIONS = REDIS_BROKER_MAX_CONNECTIONS
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_connections": REDIS_BROKER_MAX_CONNECTIONS}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

# What closes an auction at its end (auctions/clock.py): a task due then, or, with no worker
# (the embedded default), a timer in the web process.
AUCTION_CLOCK = env("AUCTION_CLOCK", default="thread" if EMBEDDED else "celery")

# --- Authentication ----------------------------------------------------------------------------
AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "users:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
EMAIL_VERIFICATION_MAX_AGE = timedelta(days=3)
API_TOKEN_LIFETIME = timedelta(days=env.int("API_TOKEN_LIFETIME_DAYS", default=90))

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# One e-mail address from one client: guessing is stopped without letting anyone lock others out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tokshop.users.lockout.lockout_response"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"

# --- API ---------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tokshop.users.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "tokshop.core.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tokshop.core.exceptions.api_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Sliding-window limits (tokshop.core.ratelimit), counted on Redis by one atomic script. Per client
# address unless said otherwise; pages and the API share one budget. The address is REMOTE_ADDR, which
# the web server sets from X-Forwarded-For only for proxies in FORWARDED_ALLOW_IPS, so a client-sent
# header cannot pick its own key.
RATE_LIMITS = {
    "signup": env("RATE_LIMIT_SIGNUP", default="10/hour"),
    # Every sign-in attempt; failed ones also count towards the per-account lockout (django-axes).
    "login": env("RATE_LIMIT_LOGIN", default="30/minute"),
    # Per account.
    "ws_ticket": env("RATE_LIMIT_WS_TICKET", default="60/minute"),
    "password_reset": env("RATE_LIMIT_PASSWORD_RESET", default="10/hour"),
    "verify_resend": env("RATE_LIMIT_VERIFY_RESEND", default="10/hour"),
    # Per e-mail address: confirmation links one inbox receives.
    "verify_link": env("RATE_LIMIT_VERIFY_LINK", default="3/hour"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tokshop API",
    "DESCRIPTION": "The REST API of Tokshop, the live-shopping marketplace, as used by its mobile PWA.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        # Products and orders both have a `status`; name each choice set once.
        "ProductStatusEnum": "commerce.models.ProductStatus",
        "OrderStatusEnum": "commerce.models.OrderStatus",
        # Reports and stock changes both have a `reason`; reports and held messages a `status`.
        "ReportReasonEnum": "moderation.models.ReportReason",
        "ReportStatusEnum": "moderation.models.ReportStatus",
        "HeldStatusEnum": "moderation.models.HeldStatus",
        # Sanctions and notifications both have a `kind`, appeals a `status` too.
        "SanctionKindEnum": "moderation.models.SanctionKind",
        "AppealStatusEnum": "moderation.models.AppealStatus",
        # Shows have a `status` too.
        "ShowStatusEnum": "shows.models.ShowStatus",
        # Auctions, giveaways, auction offers and the audit trail have a `status`, an `outcome` or a `kind` too.
        "AuctionStatusEnum": "auctions.models.AuctionStatus",
        "AuctionOutcomeEnum": "auctions.models.AuctionOutcome",
        "OfferStatusEnum": "auctions.models.OfferStatus",
        "AuctionEventKindEnum": "auctions.models.AuctionEventKind",
    },
}

# --- Security headers (the same policy everywhere, so development shows what production does) ---
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Static and media --------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))
# Files only staff may read (sellers' identity documents): outside MEDIA_ROOT, never served by URL.
PRIVATE_MEDIA_ROOT = env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": PRIVATE_MEDIA_ROOT}},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
AVATAR_MAX_BYTES = 2 * 1024 * 1024
VERIFICATION_DOCUMENT_MAX_BYTES = 5 * 1024 * 1024

# --- E-mail ------------------------------------------------------------------------------------
# EMAIL_URL selects any SMTP or provider backend (smtp://…, consolemail://, …).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Tokshop <hello@tokshop.local>")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Logging: one JSON object per line in production, readable lines in development ------------
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# --- Payments ----------------------------------------------------------------------------------
# Unset: the built-in test gateway (commerce/payments.py) takes every payment; nothing is charged.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
# All three set: Stripe (commerce/payments/stripe_gateway.py) with its Payment Element and webhooks.
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
# Another API address than Stripe's: a local fake of its API in tests.
STRIPE_API_BASE = env("STRIPE_API_BASE", default="")
# stripe-python retries network errors itself, with the same idempotency key, before a task retries.
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
# Webhook signatures older than this are refused (replayed deliveries); Stripe's own default.
STRIPE_WEBHOOK_TOLERANCE_SECONDS = env.int("STRIPE_WEBHOOK_TOLERANCE_SECONDS", default=300)
STRIPE_JS_ORIGIN = "https://js.stripe.com"

# --- Video ---------------------------------------------------------------------------------------
# Unset: shows run without video (the room says so). All three set: LiveKit (shows/livekit.py)
# rooms, tokens and webhooks. LIVEKIT_URL is the server's WebSocket address (wss://…); the room
# service is called at the same host over HTTPS.
LIVEKIT_URL = env("LIVEKIT_URL", default="")
LIVEKIT_API_KEY = env("LIVEKIT_API_KEY", default="")
LIVEKIT_API_SECRET = env("LIVEKIT_API_SECRET", default="")
# A room service call that takes longer fails, and its task retries; a hung call must not hold a worker.
LIVEKIT_TIMEOUT_SECONDS = env.float("LIVEKIT_TIMEOUT_SECONDS", default=10.0)
if LIVEKIT_URL:
    # The player talks to the LiveKit server over WebSocket (and HTTPS when a connection fails, to
    # say why); no other page origin is needed, and with video off no page allows it.
    _livekit_host = LIVEKIT_URL.split("://", 1)[-1].split("/", 1)[0]
    _livekit_secure = LIVEKIT_URL.startswith(("wss://", "https://"))
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["connect-src"] = [
        SELF,
        ("wss://" if _livekit_secure else "ws://") + _livekit_host,
        ("https://" if _livekit_secure else "http://") + _livekit_host,
    ]

# --- Auctions: settlement ----------------------------------------------------------------------
# A winner the bank asks to authenticate, or with no saved card or address, pays in the app within
# this window; then the lot goes to the next bidder. 30 minutes covers finishing 3-D Secure or typing
# a card after the show's next lot, while the runner-up is most likely still in (or just out of)
# the show and their second chance still means something to them.
AUCTION_PAY_WINDOW_MINUTES = env.int("AUCTION_PAY_WINDOW_MINUTES", default=30)
# How long a runner-up has to accept or turn down a second-chance offer before it moves on.
AUCTION_SECOND_CHANCE_MINUTES = env.int("AUCTION_SECOND_CHANCE_MINUTES", default=30)
# Strikes (won and not paid) within AUCTION_STRIKE_DAYS that bar bidding. One or two can be an
# expired card or a bank's refusal; three in a season is a pattern sellers should not have to absorb.
AUCTION_STRIKES_TO_BAR = env.int("AUCTION_STRIKES_TO_BAR", default=3)
AUCTION_STRIKE_DAYS = 90
