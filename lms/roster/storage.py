"""Uploaded rosters hold personal data (names, phones): they live under LMS_VAR_DIR/imports,
outside MEDIA_ROOT, so the web server never serves them; views hand them out after a scope check."""

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


def import_dir() -> Path:
    configured = getattr(settings, "ROSTER_IMPORT_DIR", None)
    path = Path(configured) if configured else Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


class ImportStorage(FileSystemStorage):
    """Resolves its folder on each use, so the setting can change (tests) after import."""

    @property
    def base_location(self):
        return str(import_dir())

    @property
    def location(self):
        return os.path.abspath(self.base_location)


def import_storage() -> FileSystemStorage:
    return ImportStorage()
