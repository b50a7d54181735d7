"""/healthz: database, broker and search status as JSON; 200 when all are up, 503 otherwise."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from lms.celery import app
from search.health import search_status


def database_status() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "vendor": connection.vendor, "error": str(exc)[:200]}


def broker_status() -> dict:
    transport = settings.CELERY_BROKER_URL.split(":", 1)[0]
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "transport": transport}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "transport": transport, "error": str(exc)[:200]}


@never_cache
def healthz(request):
    checks = {"database": database_status(), "broker": broker_status(), "search": search_status()}
    # Search down with a database fallback still serves users, but we report it as degraded.
    ok = all(c["ok"] for c in checks.values())
    return JsonResponse({"status": "ok" if ok else "degraded", "checks": checks}, status=200 if ok else 503)
