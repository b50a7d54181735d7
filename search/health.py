"""Search backend status for /healthz: Elasticsearch when configured, else the database backend.

When Elasticsearch is configured but down, searches are served by the database backend
(search.services.search); the status is then not ok, with ``"status": "degraded"`` and
``"fallback": "database"``, so /healthz reports the service as degraded rather than down."""

from django.conf import settings
from django.db import connection


def _database_status() -> dict:
    from .models import SearchEntry

    out = {"entries": SearchEntry.objects.count()}
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE name IN "
                "('search_searchentry_fts', 'search_searchentry_fts_ai', 'search_searchentry_fts_ad', "
                "'search_searchentry_fts_au')"
            )
            out["fulltext"] = cursor.fetchone()[0] == 4
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'search_entry_vector_gin'")
            out["fulltext"] = cursor.fetchone()[0] == 1
    return out


def search_status() -> dict:
    try:
        database = _database_status()
    except Exception as exc:  # noqa: BLE001 - the database check reports its own failure
        database = {"error": str(exc)[:200]}
    if not settings.ELASTICSEARCH_URL:
        ok = "error" not in database and database.get("fulltext", True)
        return {"ok": bool(ok), "backend": "database", "database": database}
    try:
        from .backends.elasticsearch import alias_targets, client
        from .documents import DOCUMENTS, alias_name

        es = client()
        if es.ping():
            aliases = {alias_name(kind): alias_targets(alias_name(kind), es=es) for kind in DOCUMENTS}
            missing = [alias for alias, targets in aliases.items() if not targets]
            out = {"ok": True, "backend": "elasticsearch", "indices": aliases, "database": database}
            if missing:
                out["warning"] = f"索引尚未建立：{', '.join(missing)}（请运行 manage.py search_rebuild）"
            return out
        error = "ping failed"
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        error = str(exc)[:200]
    return {
        "ok": False,
        "status": "degraded",
        "backend": "elasticsearch",
        "fallback": "database",
        "error": error,
        "database": database,
    }
