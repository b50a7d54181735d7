"""Settings shared by every mode. Everything deployment-specific comes from the environment;
each component has an embedded default so that a new user needs nothing but Python."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("LMS_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _local_secret_key() -> str:
    """A per-checkout key kept under var/ so sessions survive restarts in local runs."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or _local_secret_key()
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
CSRF_FAILURE_VIEW = "lms.portal.errors.csrf_failure"  # Chinese page in the site's style

INSTALLED_APPS = [
    # project apps (domain)
    "lms.accounts",
    "lms.schools",
    "lms.organizations",
    "lms.members",
    "lms.notifications",
    "lms.audit",
    "lms.training",
    "lms.live",
    "lms.quotas",
    "lms.points",
    "lms.reflections",
    "lms.roster",
    "lms.portal",
    "lms.ops",
    "lms.pwa",
    "lms.accessibility",
    "courses",
    "media",
    "teachers",
    "search",
    "lms.quizzes",
    "lms.records",
    # wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # third party
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    # django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "lms.portal.sites.CachedSiteMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "lms.params.BadParameterMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a refused login into the 429 page
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "lms" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "lms.portal.context_processors.roles",
                "lms.portal.context_processors.display",
            ],
        },
    },
]

# --- database: SQLite under var/ by default, DATABASE_URL in production -------------------
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + busy timeout + immediate write transactions let the web server and worker share the file.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DB_IS_SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
WAGTAILADMIN_PERMITTED_LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- files: local folders under var/ by default, S3-compatible storage in production --------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "lms" / "static"]
MEDIA_URL = os.environ.get("MEDIA_URL", "/files/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if os.environ.get("S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["S3_BUCKET"],
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL"),
            "custom_domain": os.environ.get("S3_CUSTOM_DOMAIN"),  # the CDN host serving HLS
            "querystring_auth": env_bool("S3_QUERYSTRING_AUTH", False),
        },
    }
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Celery: embedded filesystem broker under var/ by default ------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    _processed_dir = VAR_DIR / "celery" / "processed"
    _queue_dir.mkdir(parents=True, exist_ok=True)
    _processed_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
else:
    # Longer than the longest task (a transcode is capped by VIDEO_TRANSCODE_TIME_LIMIT).
    # Redis: a message whose worker died returns to the queue once the timeout has passed, at
    # the next sweep for abandoned messages (every 10 s × CELERY_UNACKED_RESTORE_THROTTLE).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 4 * 3600),
        "unacked_restore_throttle": env_int("CELERY_UNACKED_RESTORE_THROTTLE", 10),
    }
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- search: database backend unless ELASTICSEARCH_URL is set --------------------------------
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
ELASTICSEARCH_INDEX_PREFIX = os.environ.get("ELASTICSEARCH_INDEX_PREFIX", "lms")
ELASTICSEARCH_ANALYZER = os.environ.get("ELASTICSEARCH_ANALYZER", "cjk")  # or smartcn / ik_max_word

# --- Wagtail ---------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "党校在线管理后台"
WAGTAILADMIN_BASE_URL = os.environ.get("SITE_URL", "http://localhost:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "ppt", "pptx", "doc", "docx", "xls", "xlsx"]
WAGTAIL_I18N_ENABLED = False
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# --- DRF / OpenAPI ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    # Django ValidationError/PermissionDenied from services → 400/403 with their Chinese messages.
    "EXCEPTION_HANDLER": "lms.api_errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "lms.api_errors.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    # Views that declare throttle_scope ("heartbeat", "signin") are throttled; others are not.
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.ScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"login": "10/min", "heartbeat": "240/min", "signin": "30/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "党校在线 Party School Online API",
    "DESCRIPTION": "Members, classes, courses, teachers and coverage. Session or basic auth.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files: government networks often block public CDNs.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "PREPROCESSING_HOOKS": ["lms.api_schema.only_public_api"],
    # lms.params path converters: <id:…> and <year:…> are numbers.
    "PATH_CONVERTER_OVERRIDES": {
        "id": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
        "year": {"type": "integer", "minimum": 1000, "maximum": 9999},
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "lms.api_schema.document_error_responses",  # 400/401/403/404/429 with their bodies
    ],
    "ENUM_NAME_OVERRIDES": {
        "TeacherKindEnum": "teachers.models.Teacher.Kind",
        "SessionKindEnum": "lms.training.models.ClassSession.Kind",
        "OrganizationKindEnum": "lms.organizations.models.PartyOrganization.Kind",
        "ClassStatusEnum": "lms.training.models.TrainingClass.Status",
        "VideoStatusEnum": "media.models.Video.Status",
        "TeachingPointCategoryEnum": "lms.schools.models.TeachingPoint.Category",
        "SearchKindEnum": "search.models.SearchKind",
        "ImportKindEnum": "lms.roster.models.ImportJob.Kind",
        "QuotaRuleKindEnum": "lms.quotas.models.RuleKind",
        "MemberCategoryEnum": "lms.members.models.MemberCategory",
        "PointKindEnum": "lms.points.models.PointKind",
        "CertificateStatusEnum": "lms.records.models.Certificate.Status",
    },
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get("REDIS_CACHE_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_CACHE_URL"]}
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django_tasks": {"level": "WARNING"},
        "django.tasks": {"level": "WARNING"},
        "wagtail.tasks": {"level": "WARNING"},
    },
}

# --- video pipeline (media/) -----------------------------------------------------------------
VIDEO_MAX_UPLOAD_MB = env_int("VIDEO_MAX_UPLOAD_MB", 2048)
VIDEO_ALLOWED_EXTENSIONS = ["mp4", "m4v", "mov", "mkv", "webm", "avi", "wmv", "flv", "mpg", "mpeg", "ts", "3gp"]
# application/octet-stream: many phones and browsers send it for .mkv/.ts; ffprobe decides anyway.
VIDEO_ALLOWED_MIME_TYPES = (
    "video/mp4 video/x-m4v video/quicktime video/x-matroska video/webm video/x-msvideo video/avi "
    "video/x-ms-wmv video/x-flv video/mpeg video/mp2t video/3gpp application/octet-stream"
).split()
VIDEO_TRANSCODE_TIME_LIMIT = env_int("VIDEO_TRANSCODE_TIME_LIMIT", 3 * 3600)  # seconds; ffmpeg is killed after
VIDEO_X264_PRESET = os.environ.get("VIDEO_X264_PRESET", "veryfast")
VIDEO_FFMPEG_BINARY = os.environ.get("VIDEO_FFMPEG_BINARY", "ffmpeg")
VIDEO_FFPROBE_BINARY = os.environ.get("VIDEO_FFPROBE_BINARY", "ffprobe")

# --- courses: credited online study (rules in courses/watch.py and courses/credit.py) ---------
STUDY_SECONDS_PER_HOUR = env_int("STUDY_SECONDS_PER_HOUR", 2700)  # 45 min of really-played video = 1 学时
LESSON_COMPLETE_RATIO = float(os.environ.get("LESSON_COMPLETE_RATIO", "0.9"))
STUDY_MAX_PLAYBACK_RATE = float(os.environ.get("STUDY_MAX_PLAYBACK_RATE", "2.0"))
STUDY_HEARTBEAT_MAX_GAP = env_int("STUDY_HEARTBEAT_MAX_GAP", 300)  # longer silence = not watching

# --- quotas: summary rebuild + warnings every 6 hours (lms/quotas/tasks.py) -------------------------
CELERY_BEAT_SCHEDULE["quotas-refresh"] = {"task": "lms.quotas.tasks.quota_refresh", "schedule": 6 * 3600.0}
CELERY_BEAT_SCHEDULE["records-certificates"] = {"task": "lms.records.tasks.certificates_sweep", "schedule": 3600.0}
CELERY_BEAT_SCHEDULE["points-sync"] = {"task": "lms.points.tasks.points_sync", "schedule": 24 * 3600.0}

# --- classes, sign-in and attendance (lms/training/; defaults and meaning in lms/training/conf.py) ---
TRAINING_SIGNIN_OPEN_BEFORE_MINUTES = env_int("TRAINING_SIGNIN_OPEN_BEFORE_MINUTES", 30)  # sign-in + roll call
TRAINING_SIGNIN_CLOSE_AFTER_MINUTES = env_int("TRAINING_SIGNIN_CLOSE_AFTER_MINUTES", 15)
TRAINING_SESSION_MAX_HOURS = env_int("TRAINING_SESSION_MAX_HOURS", 8)
TRAINING_CLASS_MAX_CAPACITY = env_int("TRAINING_CLASS_MAX_CAPACITY", 1000)
TRAINING_CLASS_MAX_DAYS = env_int("TRAINING_CLASS_MAX_DAYS", 60)
CELERY_BEAT_SCHEDULE["training-attendance-settle"] = {"task": "lms.training.tasks.attendance_settle", "schedule": 60.0}

# --- teacher pool (teachers/; defaults in teachers/conf.py) -----------------------------------
TEACHER_EVALUATION_WINDOW_DAYS = env_int("TEACHER_EVALUATION_WINDOW_DAYS", 7)
TEACHER_FEEDBACK_MIN_RESPONSES = env_int("TEACHER_FEEDBACK_MIN_RESPONSES", 3)
CELERY_BEAT_SCHEDULE["teachers-evaluation-reminders"] = {
    "task": "teachers.tasks.evaluation_reminders",
    "schedule": 3600.0,
}

# --- login throttling (lms/security/ratelimit.py on django-axes) and recovery sweeps ------------
# Every password check (portal, admin, API basic auth) is counted in the database (axes), so
# all web processes and machines share the counts. Limits per account+address, per address,
# and a progressive per-account delay; see lms/security/ratelimit.py.
AUTHENTICATION_BACKENDS = ["lms.security.ratelimit.LoginThrottleBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)  # one account from one address
LOGIN_FAILURE_IP_LIMIT = env_int("LOGIN_FAILURE_IP_LIMIT", 100)  # one address, all accounts
LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 600)  # seconds a failure is remembered
LOGIN_ACCOUNT_FREE_FAILURES = env_int("LOGIN_ACCOUNT_FREE_FAILURES", 10)  # then 1 s, 2 s, 4 s … waits
LOGIN_ACCOUNT_MAX_DELAY = env_int("LOGIN_ACCOUNT_MAX_DELAY", 60)  # the longest wait strangers can cause
# Forwarded client addresses (X-Real-IP / X-Forwarded-For) are believed only from these hosts.
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("TRUSTED_PROXIES", "").split(",") if p.strip()]
AXES_HANDLER = "lms.security.ratelimit.LoginAttempts"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(seconds=LOGIN_FAILURE_WINDOW)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "lms.security.ratelimit.client_ip"
AXES_USERNAME_CALLABLE = "lms.security.ratelimit.username_key"
AXES_LOCKOUT_CALLABLE = "lms.security.ratelimit.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # refused attempts do not extend a wait
AXES_DISABLE_ACCESS_LOG = True  # failures only; successful logins are not logged by axes
AXES_VERBOSE = False
CELERY_IMPORTS = ["media.recovery"]
CELERY_BEAT_SCHEDULE["videos-requeue-stale"] = {
    "task": "media.recovery.videos_requeue_stale_task",
    "schedule": 300.0,
}

# --- live classes (lms/live/; `manage.py live_nginx` writes and runs var/live/nginx.conf) ------
LIVE_RTMP_PORT = env_int("LIVE_RTMP_PORT", 1935)  # encoders (OBS) push here
LIVE_HTTP_PORT = env_int("LIVE_HTTP_PORT", 8090)  # signed HLS links are served here
LIVE_RTMP_PUBLIC_URL = os.environ.get("LIVE_RTMP_PUBLIC_URL", "")  # e.g. rtmp://live.example.cn/live
LIVE_HLS_BASE_URL = os.environ.get("LIVE_HLS_BASE_URL", "")  # edge/CDN base; default: this host's nginx
LIVE_CALLBACK_BASE_URL = os.environ.get("LIVE_CALLBACK_BASE_URL", "http://127.0.0.1:8000")  # nginx → platform
LIVE_CALLBACK_ALLOWED_IPS = os.environ.get("LIVE_CALLBACK_ALLOWED_IPS", "127.0.0.1,::1").split(",")
