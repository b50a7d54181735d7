"""Elasticsearch backend (production): documents in versioned indices behind aliases.

Lifecycle: ``index_rebuild()`` creates ``{alias}-v{timestamp}`` for each kind, bulk-loads it
with ``helpers.bulk``, then swaps the alias in ONE ``update_aliases`` call (readers never see
a missing or half-filled index) and deletes the old versions. Incremental updates write
through the alias; ``indices_ensure()`` creates the first version when an alias is missing,
so a write never auto-creates an unmapped index under the alias name."""

from __future__ import annotations

import logging
from functools import lru_cache

from django.conf import settings
from django.utils import timezone
from elasticsearch import Elasticsearch, NotFoundError, helpers
from elasticsearch_dsl import Q, Search

from ..documents import DOCUMENTS, alias_name
from ..results import FACETS, FacetCount, Hit, SearchFilters, SearchResult, facet_list, pages_for
from ..sources import IndexRecord

log = logging.getLogger(__name__)
NAME = "elasticsearch"
HIGHLIGHT = {"pre_tags": ["<mark>"], "post_tags": ["</mark>"], "encoder": "html"}


@lru_cache(maxsize=4)
def _client(url: str, timeout: float) -> Elasticsearch:
    return Elasticsearch(url, request_timeout=timeout, max_retries=0, retry_on_timeout=False)


def client() -> Elasticsearch:
    """One client per URL (settings may change in tests); short timeouts: search falls back."""
    return _client(settings.ELASTICSEARCH_URL, float(getattr(settings, "ELASTICSEARCH_TIMEOUT", 3)))


# --- lifecycle ----------------------------------------------------------------------------
def versioned_name(kind: str, stamp: str | None = None) -> str:
    return f"{alias_name(kind)}-v{stamp or timezone.now().strftime('%Y%m%d%H%M%S%f')}"


def index_create(kind: str, name: str, *, es: Elasticsearch | None = None) -> str:
    DOCUMENTS[kind]._index.clone(name=name).create(using=es or client())
    return name


def alias_targets(alias: str, *, es: Elasticsearch | None = None) -> list[str]:
    es = es or client()
    try:
        return sorted(es.indices.get_alias(name=alias).body.keys())
    except NotFoundError:
        return []


def indices_ensure(*, es: Elasticsearch | None = None) -> None:
    es = es or client()
    for kind in DOCUMENTS:
        alias = alias_name(kind)
        if not alias_targets(alias, es=es):
            name = index_create(kind, versioned_name(kind), es=es)
            es.indices.update_aliases(actions=[{"add": {"index": name, "alias": alias}}])


def _actions(records, index_by_kind: dict[str, str]):
    for record in records:
        if record.kind not in index_by_kind:
            continue
        doc = DOCUMENTS[record.kind].from_record(record)
        action = doc.to_dict(include_meta=True)
        action["_index"] = index_by_kind[record.kind]
        yield action


def alias_swap_actions(alias: str, new_index: str, old_indices: list[str]) -> list[dict]:
    """One atomic alias change: point `alias` at `new_index` only."""
    actions: list[dict] = [{"remove": {"index": old, "alias": alias}} for old in old_indices]
    actions.append({"add": {"index": new_index, "alias": alias}})
    return actions


def index_rebuild(records, *, kinds=None, es: Elasticsearch | None = None) -> dict[str, str]:
    """Zero-downtime full rebuild; returns {kind: new index name}."""
    es = es or client()
    kinds = list(kinds or DOCUMENTS)
    new = {kind: index_create(kind, versioned_name(kind), es=es) for kind in kinds}
    try:
        ok, errors = helpers.bulk(es, _actions(records, new), chunk_size=500, raise_on_error=False)
        if errors:
            raise RuntimeError(f"bulk indexing failed for {len(errors)} documents: {errors[:3]}")
        es.indices.refresh(index=",".join(new.values()))
    except Exception:
        for name in new.values():
            es.indices.delete(index=name, ignore_unavailable=True)
        raise
    for kind, name in new.items():
        alias = alias_name(kind)
        old = alias_targets(alias, es=es)
        actions = alias_swap_actions(alias, name, old)
        if es.indices.exists(index=alias).body and not old:
            # A concrete index squatting on the alias name (auto-created by an early write).
            actions.insert(0, {"remove_index": {"index": alias}})
        es.indices.update_aliases(actions=actions)
        for old_name in old:
            es.indices.delete(index=old_name, ignore_unavailable=True)
        log.info("search: %s now serves %s (replaced %s)", alias, name, old or "nothing")
    return new


def document_save(record: IndexRecord, *, es: Elasticsearch | None = None) -> None:
    es = es or client()
    indices_ensure(es=es)
    DOCUMENTS[record.kind].from_record(record).save(using=es, index=alias_name(record.kind), refresh=False)


def document_delete(kind: str, object_id: int, *, es: Elasticsearch | None = None) -> None:
    es = es or client()
    try:
        es.delete(index=alias_name(kind), id=f"{kind}-{object_id}")
    except NotFoundError:
        pass


# --- reads --------------------------------------------------------------------------------
def _filter_clauses(filters: SearchFilters, *, skip: str = "") -> list:
    """The user's filters as clauses; `skip` leaves out one facet's own filter (its aggregation
    counts under the others)."""
    clauses = [Q("term", **{name: value}) for name, value in filters.facet_values(skip=skip).items()]
    if filters.audience:
        clauses.append(Q("terms", kind=["lesson", "course"]))
        clauses.append(Q("bool", should=[Q("term", audiences=filters.audience), ~Q("exists", field="audiences")]))
    if filters.teacher_kind:
        clauses.append(Q("term", teacher_kind=filters.teacher_kind))
    return clauses


def build_search(*, query: str, filters: SearchFilters, kinds: list[str], page: int, page_size: int) -> Search:
    """The whole request as data (tests compare ``build_search(...).to_dict()``).

    Visibility (kinds, published) is a query filter; the user's facet filters are a
    post_filter so that each facet aggregation can count under the *other* filters."""
    s = Search(index=[alias_name(k) for k in kinds])
    visible = [Q("terms", kind=kinds), Q("term", published=True)]
    text = query.strip()
    if text:
        must = Q(
            "multi_match",
            query=text,
            fields=["title^3", "body"],
            type="cross_fields",  # each word in title OR body, like the database backend
            operator="and",
        )
        should = [
            Q("match_phrase", title={"query": text, "boost": 5}),
            Q("match_phrase", body={"query": text, "boost": 1}),
        ]
        s = s.query(Q("bool", must=[must], should=should, filter=visible))
    else:
        s = s.query(Q("bool", filter=visible)).sort("kind", "title.raw")
    post = _filter_clauses(filters)
    if post:
        s = s.post_filter(Q("bool", filter=post))
    for name in FACETS:
        others = _filter_clauses(filters, skip=name)
        agg_filter = Q("bool", filter=others) if others else Q("match_all")
        s.aggs.bucket(f"{name}_facet", "filter", filter=agg_filter).bucket("values", "terms", field=name, size=20)
    s = s.highlight("title", number_of_fragments=0, **HIGHLIGHT)
    s = s.highlight("body", fragment_size=90, number_of_fragments=1, no_match_size=90, **HIGHLIGHT)
    s = s.source(["kind", "object_id", "title", "url", "module", "teacher_kind", "school_tier", "body"])
    s = s.extra(track_total_hits=True)
    start = (page - 1) * page_size
    return s[start : start + page_size]


def parse_response(response, *, query: str, page: int, page_size: int) -> SearchResult:
    from django.utils.html import escape

    hits = []
    for h in response.hits:
        hl = getattr(h.meta, "highlight", None)
        title_html = hl.title[0] if hl is not None and "title" in hl else escape(h.title)
        snippet = hl.body[0] if hl is not None and "body" in hl else escape((h.body or "")[:90])
        hits.append(
            Hit(
                kind=h.kind,
                id=int(h.object_id),
                title=h.title,
                url=h.url or "",
                title_html=title_html,
                snippet=snippet,
                score=float(h.meta.score or 0),
                module=getattr(h, "module", "") or "",
                teacher_kind=getattr(h, "teacher_kind", "") or "",
                school_tier=getattr(h, "school_tier", "") or "",
            )
        )
    total = int(response.hits.total.value)
    facets: dict[str, list[FacetCount]] = {}
    for name in FACETS:
        buckets = response.aggregations[f"{name}_facet"]["values"]["buckets"]
        facets[name] = facet_list(name, {b["key"]: b["doc_count"] for b in buckets})
    return SearchResult(
        query=query,
        hits=hits,
        total=total,
        page=page,
        pages=pages_for(total, page_size),
        page_size=page_size,
        facets=facets,
        backend=NAME,
    )


def search(*, query: str, filters: SearchFilters, kinds: list[str], page: int, page_size: int, **_) -> SearchResult:
    s = build_search(query=query, filters=filters, kinds=kinds, page=page, page_size=page_size)
    response = s.using(client()).execute()
    return parse_response(response, query=query, page=page, page_size=page_size)


def suggest_body(prefix: str, kinds: list[str]) -> Search:
    s = Search(index=[alias_name(k) for k in kinds]).filter("terms", kind=kinds).filter("term", published=True)
    s = s.query(
        "multi_match",
        query=prefix,
        type="bool_prefix",
        fields=["title_prefix", "title_prefix._2gram", "title_prefix._3gram"],
    )
    return s.source(["kind", "object_id", "title", "url"])[:8]
