"""Which URL a stored video file is played from."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.urls import reverse


def dev_serving_enabled() -> bool:
    """Django itself serves media (DEBUG or SERVE_MEDIA) from the local filesystem."""
    return (settings.DEBUG or getattr(settings, "SERVE_MEDIA", False)) and isinstance(
        default_storage, FileSystemStorage
    )


def seekable_url(fieldfile) -> str:
    """A URL that honours HTTP Range: the storage's own URL in production (web server, object
    store), our range-capable view when Django serves media itself."""
    if not fieldfile:
        return ""
    if dev_serving_enabled():
        return reverse("media:file", args=[fieldfile.name])
    return fieldfile.url
