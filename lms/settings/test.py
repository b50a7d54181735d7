import os
from pathlib import Path

# pytest-xdist: each worker process gets its own LMS_VAR_DIR (media, broker folders, imports,
# probes) so parallel tests never share files.
# A subprocess a test starts inherits both variables and keeps the LMS_VAR_DIR it was given.
_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and not os.environ.get("LMS_XDIST_VAR_DIR_SET"):
    _var = Path(os.environ.get("LMS_VAR_DIR") or Path(__file__).resolve().parents[2] / "var")
    os.environ["LMS_VAR_DIR"] = str(_var / "xdist" / _worker)
    os.environ["LMS_XDIST_VAR_DIR_SET"] = "1"

from .base import *  # noqa: E402, F403
from .base import VAR_DIR  # noqa: E402

DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "test-media"
# Tasks run inline unless a test starts a real worker on the configured broker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
