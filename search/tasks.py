"""Celery tasks keeping the search indices current. They take ids and re-read the object, so
a late or repeated task simply stores the current state (idempotent)."""

import logging

from celery import shared_task

from . import services

log = logging.getLogger(__name__)


@shared_task(name="search.sync")
def search_sync(kind: str, object_id: int) -> bool:
    """Database entry now (it is the fallback), Elasticsearch document in its own retrying task."""
    searchable = services.search_entry_sync(kind=kind, object_id=object_id)
    if services.es_enabled():
        try:
            search_document_sync.delay(kind, object_id)
        except Exception:  # noqa: BLE001 - only when run eagerly; the database entry is current
            log.exception("search: Elasticsearch sync of %s %s failed", kind, object_id)
    return searchable


@shared_task(
    name="search.document_sync",
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=8,
)
def search_document_sync(kind: str, object_id: int) -> bool:
    return services.search_document_sync(kind=kind, object_id=object_id)
