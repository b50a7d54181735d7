"""seed_demo step: (re)build the search index for the demo catalog and teacher pool.

Runs last, after courses.demo and teachers.demo; a full rebuild is one bulk insert (and one
alias swap when Elasticsearch is configured — if the cluster is unreachable the database
entries are still built and the failure is logged, search then falls back to them)."""

from .services import es_enabled, search_index_rebuild


def seed(ctx) -> None:
    out = search_index_rebuild(database_only=True)
    ctx.log(f"search: {out['database_entries']} database search entries")
    if es_enabled():
        try:
            out = search_index_rebuild(elasticsearch_only=True)
            ctx.log(f"search: Elasticsearch indices {', '.join(out['elasticsearch_indices'].values())}")
        except Exception as exc:  # noqa: BLE001 - optional service; the database backend serves
            ctx.log(f"search: Elasticsearch rebuild skipped ({str(exc)[:120]})")
