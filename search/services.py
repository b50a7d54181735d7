"""Search: the one query service and the index writes behind it.

``search(query, filters, page, user=None)`` answers from Elasticsearch when
``ELASTICSEARCH_URL`` is set and reachable, otherwise from the database backend — same
``SearchResult`` either way; a fallback is marked ``degraded`` (and /healthz says so).

Writes keep BOTH stores current: the database entries are always maintained (they are the
fallback), Elasticsearch documents too when it is configured."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from . import sources
from .access import STAFF_KINDS, visible_kinds
from .backends import database
from .results import PAGE_SIZE, SearchFilters, SearchInputError, SearchResult, pages_for, parse_page
from .text import query_terms

log = logging.getLogger(__name__)
ES_DOWN_KEY = "search:elasticsearch-down"
ES_DOWN_SECONDS = 30


def es_enabled() -> bool:
    return bool(settings.ELASTICSEARCH_URL)


def _es_marked_down() -> bool:
    return bool(cache.get(ES_DOWN_KEY))


def _mark_es_down(error: Exception) -> None:
    """Skip Elasticsearch for a short while after a failure, so a dead cluster does not
    cost every request a connection timeout."""
    log.warning("search: Elasticsearch unavailable, using the database backend: %s", error)
    cache.set(ES_DOWN_KEY, str(error)[:200], ES_DOWN_SECONDS)


def search(
    query: str = "",
    filters: SearchFilters | dict | None = None,
    page: int | str | None = 1,
    user=None,
    *,
    kinds: list[str] | None = None,
    page_size: int = PAGE_SIZE,
) -> SearchResult:
    """Search what `user` may see (user=None: everything searchable, for internal callers).

    Raises SearchInputError (Chinese message) for an invalid filter or page."""
    if not isinstance(filters, SearchFilters):
        filters = SearchFilters.parse(filters or {})
    page = page if isinstance(page, int) and page >= 1 else parse_page(page)
    query = (query or "").strip()[:100]
    allowed = visible_kinds(user) if user is not None else list(STAFF_KINDS)
    if kinds is not None:
        allowed = [k for k in allowed if k in kinds]
    if filters.kind and filters.kind not in allowed:
        if filters.kind in STAFF_KINDS:
            raise SearchInputError("您没有查看该类型搜索结果的权限。")
    if not allowed:
        return SearchResult(query=query, hits=[], total=0, page=page, pages=1, page_size=page_size)
    args = {"query": query, "filters": filters, "kinds": allowed, "page": page, "page_size": page_size}
    degraded = False
    if es_enabled():
        if not _es_marked_down():
            from .backends import elasticsearch as es_backend

            try:
                return es_backend.search(**args)
            except Exception as exc:  # noqa: BLE001 - any cluster failure: serve from the database
                _mark_es_down(exc)
        degraded = True
    result = database.search(terms=query_terms(query), **args)
    result.degraded = degraded
    return result


def suggest(prefix: str, user=None, *, limit: int = 8) -> list[dict]:
    """Title suggestions for a search box (database: title contains the prefix)."""
    from .models import SearchEntry

    prefix = (prefix or "").strip()[:30]
    kinds = visible_kinds(user) if user is not None else list(STAFF_KINDS)
    if not prefix or not kinds:
        return []
    rows = (
        SearchEntry.objects.filter(kind__in=kinds, title__icontains=prefix)
        .order_by("kind", "title")
        .values("kind", "object_id", "title", "url")[:limit]
    )
    return [{"kind": r["kind"], "id": r["object_id"], "title": r["title"], "url": r["url"]} for r in rows]


# --- index writes ---------------------------------------------------------------------------
def search_entry_sync(*, kind: str, object_id: int) -> bool:
    """Bring one object's database entry up to date: stored if searchable, removed otherwise.
    Returns True if the object is searchable now. Idempotent."""
    record = sources.record_for(kind, object_id)
    if record is None:
        database.entry_delete(kind, object_id)
        return False
    database.entry_upsert(record)
    return True


def search_document_sync(*, kind: str, object_id: int) -> bool:
    """Same for the Elasticsearch document (called by a task that retries on failure)."""
    from .backends import elasticsearch as es_backend

    record = sources.record_for(kind, object_id)
    if record is None:
        es_backend.document_delete(kind, object_id)
        return False
    es_backend.document_save(record)
    return True


def search_sync_enqueue(*, kind: str, object_id: int) -> None:
    """Queue the sync of one object after the current transaction commits (a worker must not
    read uncommitted or rolled-back pages)."""
    transaction.on_commit(lambda: _enqueue(kind, object_id))


def _enqueue(kind: str, object_id: int) -> None:
    """If the broker is unreachable, update the database entry right away rather than fail
    the (already committed) publish; Elasticsearch catches up at the next sync or rebuild."""
    from .tasks import search_sync

    try:
        search_sync.delay(kind, object_id)
    except Exception:  # noqa: BLE001 - broker down: degrade to a synchronous database sync
        log.exception("search: could not queue the sync of %s %s; syncing the database entry now", kind, object_id)
        search_entry_sync(kind=kind, object_id=object_id)


def search_index_rebuild(*, database_only: bool = False, elasticsearch_only: bool = False) -> dict:
    """Full rebuild of both stores from the source tables. Returns counts and index names."""
    out: dict = {}
    if not elasticsearch_only:
        out["database_entries"] = database.entries_rebuild(sources.all_records())
    if es_enabled() and not database_only:
        from .backends import elasticsearch as es_backend

        out["elasticsearch_indices"] = es_backend.index_rebuild(sources.all_records())
    return out


__all__ = [
    "SearchFilters",
    "SearchInputError",
    "SearchResult",
    "pages_for",
    "search",
    "search_entry_sync",
    "search_document_sync",
    "search_index_rebuild",
    "search_sync_enqueue",
    "suggest",
]
