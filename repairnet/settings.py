"""RepairNet settings: everything comes from the environment (12-factor).

Defaults give a newcomer a working product with no services: SQLite in the project folder and
Celery running tasks eagerly. Production sets DEBUG=False and must provide SECRET_KEY.
"""

import datetime
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production-0123456789abcdef")
else:
    SECRET_KEY = env("SECRET_KEY")  # production refuses to start without it
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The area apps, lowest layer first (STYLE.md); their locale/ folders are also in LOCALE_PATHS.
LOCAL_APPS = ["stations", "tickets", "spares", "settlement", "inspections", "fraud"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "django_celery_beat",
    "axes",
    "django_prometheus",
    "repairnet",
    *LOCAL_APPS,
]

MIDDLEWARE = [
    # first and last: the latency histograms time everything in between (no database queries of their own)
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "repairnet.inputs.InputDisciplineMiddleware",
    "repairnet.idempotency.IdempotencyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "repairnet.urls"
WSGI_APPLICATION = "repairnet.wsgi.application"

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
                "repairnet.roles.roles_context",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Optional streaming replica for reports (repairnet/replica.py): dashboards, the finance workbook and the
# spares network page read it; writes and reads inside a transaction stay on the primary.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
REPLICA_READS = env.bool("REPLICA_READS", default=bool(DATABASE_REPLICA_URL))
DATABASE_ROUTERS = ["repairnet.replica.ReplicaRouter"]
# Persistent connections: opening one per request was 3–5 ms of every API call (a quarter of a cached list's
# time under load); the health check replaces one the server has dropped before a request uses it.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=300)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "repairnet.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes, records in the database, so login works with the cache down; repairnet.throttle
# for the page and the token endpoint): failures per username + client address before a lock-out and its length;
# and how many usernames one address may fail with in that time (password spraying).
LOGIN_MAX_FAILURES = env.int("LOGIN_MAX_FAILURES", default=5)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=900)
LOGIN_MAX_USERNAMES_PER_IP = env.int("LOGIN_MAX_USERNAMES_PER_IP", default=10)
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = LOGIN_MAX_FAILURES
AXES_COOLOFF_TIME = datetime.timedelta(seconds=LOGIN_LOCKOUT_SECONDS)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "repairnet.throttle.lockout_response"
AXES_VERBOSE = False
# The client's address: TRUSTED_PROXY_COUNT reverse proxies stand in front (1: one load balancer or nginx); the
# last one is REMOTE_ADDR, the others and the client are in X-Forwarded-For. 0: the header is ignored (forgeable).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_IPWARE_PROXY_COUNT = max(TRUSTED_PROXY_COUNT - 1, 0)
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if TRUSTED_PROXY_COUNT else ["REMOTE_ADDR"]
# API tokens (django-rest-knox, repairnet.tokens): a token from POST /api/v1/auth/token/ works this many days; it
# ends sooner on logout, when the user's password changes (any way) and when the user is deactivated.
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=30)
REST_KNOX = {
    "TOKEN_TTL": datetime.timedelta(days=API_TOKEN_DAYS),
    "AUTH_HEADER_PREFIX": "Token",  # clients keep sending "Authorization: Token …"
    "AUTO_REFRESH": False,
}
# Password reset by e-mail (Django's views): requests per client address and per e-mail address within the
# window, counted in the database (it works with the cache down). The link works PASSWORD_RESET_TIMEOUT seconds.
PASSWORD_RESET_MAX_REQUESTS = env.int("PASSWORD_RESET_MAX_REQUESTS", default=5)
PASSWORD_RESET_WINDOW_SECONDS = env.int("PASSWORD_RESET_WINDOW_SECONDS", default=3600)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 24 * 3600)
# The address people open RepairNet at (https://repairnet.example.com), for links in e-mails. Empty: the address
# of the request that sent the e-mail (its host is one of ALLOWED_HOSTS).
SITE_URL = env("SITE_URL", default="")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# Our catalogues win over Django's and third-party apps' (admin, auth, django-filter translate "Filter", "Go"…):
# LOCALE_PATHS come before every installed app's locale/, and the first catalogue holding a msgid wins.
LOCALE_PATHS = [BASE_DIR / "locale", *(BASE_DIR / app / "locale" for app in LOCAL_APPS)]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded documents and photos, signatures and generated exports are private: outside the web root, served only
# through views that check permission. Local disk by default (`make run`, tests); STORAGE_BACKEND=s3 puts every one
# of them in a private bucket of any S3-compatible store (MinIO, Ceph, Alibaba OSS, AWS S3), so every web node and
# worker sees the same files.
STORAGE_BACKEND = env("STORAGE_BACKEND", default="s3" if env("AWS_STORAGE_BUCKET_NAME", default="") else "local")
if STORAGE_BACKEND not in ("local", "s3"):
    raise ValueError(f"STORAGE_BACKEND must be 'local' or 's3', not {STORAGE_BACKEND!r}")
# Seconds a signed URL handed out by a download view stays valid: long enough to start the download, no longer.
AWS_QUERYSTRING_EXPIRE = env.int("AWS_QUERYSTRING_EXPIRE", default=60)
if STORAGE_BACKEND == "s3":
    S3_STORAGE_OPTIONS = {
        "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
        "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
        "access_key": env("AWS_ACCESS_KEY_ID", default=None),
        "secret_key": env("AWS_SECRET_ACCESS_KEY", default=None),
        "region_name": env("AWS_S3_REGION_NAME", default=None),
        "location": env("AWS_LOCATION", default=""),  # a key prefix, to share one bucket between installations
        "default_acl": None,  # objects inherit the bucket's policy: private
        "querystring_auth": True,  # every URL the storage makes is signed ...
        "querystring_expire": AWS_QUERYSTRING_EXPIRE,  # ... and short-lived
        "file_overwrite": False,  # two uploads with one name never replace each other
        "signature_version": "s3v4",
        "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default="path"),  # MinIO and Ceph want path style
    }
    # The host signed download URLs name, when browsers reach the store by another address than the web nodes
    # do (compose: web talks to http://minio:9000, the browser to http://localhost:9000). Signing needs no call.
    AWS_S3_URL_ENDPOINT = env("AWS_S3_URL_ENDPOINT", default="") or S3_STORAGE_OPTIONS["endpoint_url"]
    _default_storage = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": S3_STORAGE_OPTIONS}
else:
    AWS_S3_URL_ENDPOINT = ""
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "private_media")))
MEDIA_URL = "/private/"  # never served directly; views check permission and stream the file
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# an uploaded image's width × height, read from its header before any pixel is decoded (decompression bombs);
# 60 million covers a 50-megapixel phone camera
UPLOAD_MAX_PIXELS = env.int("UPLOAD_MAX_PIXELS", default=60_000_000)
PHOTO_MAX_BYTES = env.int("PHOTO_MAX_BYTES", default=8 * 1024 * 1024)
PHOTO_MAX_EDGE = env.int("PHOTO_MAX_EDGE", default=1600)

# Cache: Redis when configured (shared by gunicorn workers), otherwise in-process memory.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Ticket lists answered from the cache for at most this long, keyed by the data version (repairnet.dataversion).
# The version must be shared by every process that writes, so the cache is off (0) without Redis.
RESPONSE_CACHE_SECONDS = env.int("RESPONSE_CACHE_SECONDS", default=60 if REDIS_URL else 0)

# Celery: Redis as broker when REDIS_URL is set; otherwise tasks run eagerly in-process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60, "socket_connect_timeout": 0.5}
# A request that queues work must answer within 2 s when the broker is down (kombu's default publish retry
# waits about 6 s): half-second connects and one quick retry, then the caller says so and a sweep dispatches later.
CELERY_BROKER_CONNECTION_TIMEOUT = 0.5
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Two queues by weight: minutes-long jobs over the whole network go to "heavy", so a settlement run or a rollup
# recount can never hold up the 5-minute sweeps on "default" (docker-compose runs a worker for each).
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_HEAVY_TASKS = (
    "settlement.tasks.settlement_run_task",
    "settlement.tasks.settlement_draft_previous_month_task",
    "tickets.tasks.station_day_stats_rebuild_task",
    "tickets.tasks.rewards_month_task",
    "tickets.tasks.rewards_quarter_task",
    "settlement.tasks.workbook_export_task",
    "fraud.tasks.fraud_evaluate_task",
)
CELERY_TASK_ROUTES = {name: {"queue": "heavy"} for name in CELERY_HEAVY_TASKS}

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="repairnet@localhost")
HQ_REPORT_EMAILS = env.list("HQ_REPORT_EMAILS", default=[])
# The notification outbox's channels (repairnet.channels): dotted paths, one per channel. SMS and WeChat print
# to the log, or append JSON lines to OUTBOX_FILE when set, until a gateway's class is named here.
OUTBOX_CHANNELS = {
    "sms": env("OUTBOX_SMS_CHANNEL", default="repairnet.channels.ConsoleSmsChannel"),
    "wechat": env("OUTBOX_WECHAT_CHANNEL", default="repairnet.channels.ConsoleWeChatChannel"),
    "email": env("OUTBOX_EMAIL_CHANNEL", default="repairnet.channels.EmailChannel"),
    "in_app": env("OUTBOX_IN_APP_CHANNEL", default="repairnet.channels.InAppChannel"),
}
OUTBOX_FILE = env("OUTBOX_FILE", default="")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # The token first: its "Token" challenge makes a refused or expired token a 401, not a 403.
        "repairnet.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "repairnet.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "repairnet.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "RepairNet API",
    "DESCRIPTION": "授权维修服务网络 REST API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Schema-naming hints are not deployment problems; the schema itself is tested by the API fuzzer.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # One name for each choice set that several fields share, or whose field name other sets share.
    "ENUM_NAME_OVERRIDES": {
        "DepositKindEnum": "spares.models.DepositEntry.Kind",
        "ApprovalStatusEnum": "spares.models.WriteOff.Status",
        "InspectionStatusEnum": "inspections.models.Inspection.Status",
        "DailyReportStatusEnum": "tickets.models.DailyReport.Status",
        "StatementStatusEnum": "settlement.models.Statement.Status",
        "TierEnum": "stations.models.Tier",
        "ComplaintCategoryEnum": "tickets.models.Complaint.Category",
        "EscalationEnum": "tickets.models.Ticket.Escalation",
    },
}

# Prometheus metrics (repairnet/metrics.py) at /metrics, for a scraper that sends "Authorization: Bearer
# METRICS_TOKEN" or connects from one of METRICS_ALLOWED_NETWORKS (CIDRs, compared with REMOTE_ADDR); with
# neither set nobody may read them. Several gunicorn workers: set PROMETHEUS_MULTIPROC_DIR (gunicorn.conf.py).
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=[])
PROMETHEUS_EXPORT_MIGRATIONS = False  # it would query the database at every start-up

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "repairnet.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env("LOG_FORMAT", default="plain" if DEBUG else "json"),
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# Security: secure by default when DEBUG is off (manage.py check --deploy is clean).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): everything from this site only; no inline script at all (pages load
# their scripts from static files; data for charts travels in <script type="application/json">). Inline
# style attributes stay allowed (Bootstrap utilities, Chart.js and Swagger UI set them).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SESSION_COOKIE_HTTPONLY = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Domain numbers live in the area apps as admin-editable rules; the few process-wide ones are here.
REPAIRNET = {
    # A job run still unfinished after this long has lost its worker (the hard time limit is 30 minutes):
    # /jobs/ shows it failed, and the recovery sweep records it so.
    "JOB_STALE_MINUTES": env.int("JOB_STALE_MINUTES", default=35),
    # A settlement run's worker renews its lease after every chunk of stations; a run whose lease has
    # expired lost its worker and is queued again, up to the attempts below, then marked failed.
    "RUN_LEASE_SECONDS": env.int("RUN_LEASE_SECONDS", default=300),
    "RUN_MAX_ATTEMPTS": env.int("RUN_MAX_ATTEMPTS", default=3),
    # A write's Idempotency-Key (API) or one-time form token (pages) is remembered this long.
    "IDEMPOTENCY_HOURS": env.int("IDEMPOTENCY_HOURS", default=24),
    # The longest text any field may carry (repairnet.inputs); each form and serializer has its own lower limits.
    "INPUT_MAX_CHARS": env.int("INPUT_MAX_CHARS", default=10000),
    "CERT_VALID_YEARS": env.int("CERT_VALID_YEARS", default=2),
    "CERT_EXPIRY_WARNING_DAYS": env.int("CERT_EXPIRY_WARNING_DAYS", default=30),
    "UNDERSTAFFED_GRACE_DAYS": env.int("UNDERSTAFFED_GRACE_DAYS", default=30),
    "REPEAT_REPAIR_DAYS": env.int("REPEAT_REPAIR_DAYS", default=30),
    "CALLBACK_DUE_HOURS": env.int("CALLBACK_DUE_HOURS", default=24),
    # In-app notifications: warn of an SLA deadline this many minutes ahead, of a rectification this many days.
    "SLA_WARNING_MINUTES": env.int("SLA_WARNING_MINUTES", default=30),
    "RECTIFICATION_REMIND_DAYS": env.int("RECTIFICATION_REMIND_DAYS", default=2),
    # Outbox delivery: a failed message is tried again after 1, 2, 4, … times this many seconds, and marked
    # failed after the last attempt; one left "sending" this long lost its worker and is handed back.
    "OUTBOX_MAX_ATTEMPTS": env.int("OUTBOX_MAX_ATTEMPTS", default=6),
    "OUTBOX_RETRY_SECONDS": env.int("OUTBOX_RETRY_SECONDS", default=60),
    "OUTBOX_SENDING_TIMEOUT_SECONDS": env.int("OUTBOX_SENDING_TIMEOUT_SECONDS", default=300),
    # The station and callback queues poll a one-query state endpoint this often and refresh on a change.
    "LIVE_QUEUE_POLL_SECONDS": env.int("LIVE_QUEUE_POLL_SECONDS", default=15),
    # Days of per-station dashboard counts the nightly job recounts (the dashboard's longest window).
    "DASHBOARD_STATS_REBUILD_DAYS": env.int("DASHBOARD_STATS_REBUILD_DAYS", default=366),
    "CALLBACK_MAX_ATTEMPTS": env.int("CALLBACK_MAX_ATTEMPTS", default=3),
    # Customer self-service status page (tickets.services.self_service_lookup): look-ups per client address and
    # failed look-ups per ticket number within the window; a verified look-up opens its ticket this long.
    "SELF_SERVICE_MAX_LOOKUPS_PER_IP": env.int("SELF_SERVICE_MAX_LOOKUPS_PER_IP", default=20),
    "SELF_SERVICE_MAX_FAILURES_PER_TICKET": env.int("SELF_SERVICE_MAX_FAILURES_PER_TICKET", default=5),
    "SELF_SERVICE_WINDOW_SECONDS": env.int("SELF_SERVICE_WINDOW_SECONDS", default=3600),
    "SELF_SERVICE_ACCESS_SECONDS": env.int("SELF_SERVICE_ACCESS_SECONDS", default=1800),
    "DEFECTIVE_RETURN_DAYS": env.int("DEFECTIVE_RETURN_DAYS", default=30),
    "RECTIFICATION_DAYS": env.int("RECTIFICATION_DAYS", default=15),
    "REINSPECTION_DAYS": env.int("REINSPECTION_DAYS", default=30),
    "APPEAL_DAYS": env.int("APPEAL_DAYS", default=5),
    "GRADE_THRESHOLDS": {"A": 90, "B": 80, "C": 60},
    "DAILY_REPORT_DEADLINE_HOUR": env.int("DAILY_REPORT_DEADLINE_HOUR", default=10),
    "SAME_SERIAL_DEDUP_DAYS": env.int("SAME_SERIAL_DEDUP_DAYS", default=7),
    # Settlement calendar (SPEC 4): a month's statements are approved and paid by this day of the next month.
    "STATEMENT_DUE_DAY": env.int("STATEMENT_DUE_DAY", default=20),
    "COMPLAINT_ACK_HOURS": env.int("COMPLAINT_ACK_HOURS", default=24),
    "COMPLAINT_RESOLVE_HOURS": env.int("COMPLAINT_RESOLVE_HOURS", default=72),
    "DAILY_REPORT_LATE_ALLOWANCE": env.int("DAILY_REPORT_LATE_ALLOWANCE", default=2),
    # Automatic rewards (SPEC 1.5): the month's satisfaction bonus and the quarter's excellence bonus.
    "SATISFACTION_BONUS_MIN_CALLBACKS": env.int("SATISFACTION_BONUS_MIN_CALLBACKS", default=30),
    "SATISFACTION_BONUS_MIN_AVG": env.str("SATISFACTION_BONUS_MIN_AVG", default="4.8"),
    "EXCELLENCE_SLA_MIN": env.str("EXCELLENCE_SLA_MIN", default="0.98"),
    # Technician exam (SPEC 1.3): pass with ≥ 60 in theory and practical and ≥ 70 on average.
    "EXAM_PASS_EACH": env.int("EXAM_PASS_EACH", default=60),
    "EXAM_PASS_AVERAGE": env.int("EXAM_PASS_AVERAGE", default=70),
    # Quarterly assessment (SPEC 1.4): weights in %, suggestion thresholds, score used when an input is missing.
    "ASSESSMENT_WEIGHTS": {"inspection": 40, "satisfaction": 30, "sla": 20, "first_time_fix": 10},
    "ASSESSMENT_THRESHOLDS": {"upgrade": 85, "downgrade": 60, "revocation": 40},
    "ASSESSMENT_NEUTRAL_SCORE": env.int("ASSESSMENT_NEUTRAL_SCORE", default=75),
}
