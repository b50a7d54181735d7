"""The WSGI module gunicorn preloads in its master: workers fork with the URLconf ready."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import lms.wsgi
from django.core.cache import caches
from django.db import connections
from django.urls import get_resolver
print(json.dumps({
    "populated": get_resolver()._populated,
    "views_imported": "lms.training.views.attendance" in sys.modules and "courses.api.views" in sys.modules,
    "db_open": any(c.connection is not None for c in connections.all(initialized_only=True)),
    "frozen": __import__("gc").get_freeze_count() > 100000,
}))
"""


def test_loading_the_wsgi_module_imports_the_views_freezes_them_and_opens_no_connection():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lms.settings.dev"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=120
    )
    state = json.loads(done.stdout.strip().splitlines()[-1])
    assert state == {"populated": True, "views_imported": True, "db_open": False, "frozen": True}
