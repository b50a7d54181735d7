"""Database backend: SearchEntry rows matched through the vendor's full-text index.

Matching (which rows): every query term must occur in the title or the body — as a jieba word
token or as a phrase of consecutive characters (search/text.py). SQLite asks its FTS5 table,
PostgreSQL ``to_tsvector('simple', …) @@ to_tsquery('simple', …)`` on a GIN index, other
vendors fall back to LIKE on the raw text. When no row has all terms, rows with any term are
returned instead (a long query with one stray word still finds something).

Ranking (the order) is the same SQL on every vendor: 10 points per term found in the title,
5 more for a title equal to the query — so title matches always come before body-only
matches. Only the (short) title is inspected per matched row; bodies can be long transcripts.

Counting (total and facets) and ranking are ONE statement that reads the matching rows once
(``_scan``); the page's rows are then loaded with their bodies."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import BooleanField, Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower

from ..models import SearchEntry, SearchKind
from ..results import FACETS, Hit, SearchFilters, SearchResult, facet_list, pages_for
from ..sources import IndexRecord
from ..text import Term, fts5_match, highlight, index_tokens, normalize, pg_tsquery, snippet
from . import fts_sql

NAME = "database"
TITLE_POINTS = 10
EXACT_TITLE_POINTS = 5
# What a hit shows: loaded for the page's rows only (never the token columns).
HIT_FIELDS = ("kind", "object_id", "title", "body", "url", "module", "teacher_kind", "school_tier")


# --- writes -------------------------------------------------------------------------------
def entry_values(record: IndexRecord) -> dict:
    audiences = f" {' '.join(record.audiences)} " if record.audiences else ""
    return {
        "title": record.title[:255],
        "body": record.body,
        "url": record.url[:500],
        "title_tokens": index_tokens(record.title),
        "body_tokens": index_tokens(record.body),
        "module": record.module,
        "audiences": audiences,
        "teacher_kind": record.teacher_kind,
        "school_tier": record.school_tier,
        "staff_only": record.staff_only,
    }


def entry_upsert(record: IndexRecord) -> SearchEntry:
    entry, _ = SearchEntry.objects.update_or_create(
        kind=record.kind, object_id=record.object_id, defaults=entry_values(record)
    )
    return entry


def entry_delete(kind: str, object_id: int) -> int:
    deleted, _ = SearchEntry.objects.filter(kind=kind, object_id=object_id).delete()
    return deleted


def entries_rebuild(records, *, batch_size: int = 500) -> int:
    """Replace all entries in one transaction (readers see the old set until commit)."""
    fts_sql.fts_ensure(connection)
    count = 0
    with transaction.atomic():
        SearchEntry.objects.all().delete()
        batch: list[SearchEntry] = []
        for record in records:
            batch.append(SearchEntry(kind=record.kind, object_id=record.object_id, **entry_values(record)))
            if len(batch) >= batch_size:
                SearchEntry.objects.bulk_create(batch)
                count += len(batch)
                batch = []
        if batch:
            SearchEntry.objects.bulk_create(batch)
            count += len(batch)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE search_searchentry")
    return count


# --- reads --------------------------------------------------------------------------------
def _match_condition(terms: list[Term], *, any_term: bool) -> Q | RawSQL:
    vendor = connection.vendor
    if vendor == "sqlite":
        sql = (
            '"search_searchentry"."id" IN (SELECT rowid FROM search_searchentry_fts '
            "WHERE search_searchentry_fts MATCH %s)"
        )
        return RawSQL(sql, [fts5_match(terms, any_term=any_term)], output_field=BooleanField())
    if vendor == "postgresql":
        return RawSQL(fts_sql.PG_MATCH_SQL, [pg_tsquery(terms, any_term=any_term)], output_field=BooleanField())
    conditions = [Q(title__icontains=t.text) | Q(body__icontains=t.text) for t in terms]
    combined = conditions[0]
    for c in conditions[1:]:
        combined = (combined | c) if any_term else (combined & c)
    return combined


def _score(terms: list[Term], query: str):
    score = Value(0, output_field=IntegerField())
    for term in terms:
        score = score + Case(When(title__icontains=term.text, then=Value(TITLE_POINTS)), default=Value(0))
    return score + Case(When(title_lower=normalize(query).strip(), then=Value(EXACT_TITLE_POINTS)), default=Value(0))


def _base_filters(qs: QuerySet, filters: SearchFilters) -> QuerySet:
    """The filters that are not facets (audience, teacher kind)."""
    if filters.audience:
        qs = qs.filter(Q(audiences="") | Q(audiences__contains=f" {filters.audience} "), kind__in=["lesson", "course"])
    if filters.teacher_kind:
        qs = qs.filter(teacher_kind=filters.teacher_kind)
    return qs


def _candidates(base: QuerySet, terms: list[Term], query: str, filters: SearchFilters, *, any_term: bool) -> QuerySet:
    """The matching rows under the non-facet filters, as the narrow columns that counting and
    ranking read (never the bodies)."""
    qs = _base_filters(base.filter(_match_condition(terms, any_term=any_term)) if terms else base, filters)
    qs = qs.annotate(title_lower=Lower("title"), score=_score(terms, query) if terms else Value(0))
    return qs.values("id", *FACETS, "title", "score").order_by()


def _scan(candidates: QuerySet, filters: SearchFilters, *, offset: int, limit: int) -> tuple[list, list]:
    """ONE statement over the candidates, read once: their count per (kind, module, school tier)
    — the total and every facet come from it — and the ranked (id, score) of the page.

    Counting and ranking separately visited every candidate row twice; for a one-character
    query most of the table is a candidate, and that second pass was the p95 of bench/search.py."""
    sql, params = candidates.query.sql_with_params()
    chosen = filters.facet_values()
    where = " AND ".join(f"{name} = %s" for name in chosen) or "1 = 1"
    columns = ", ".join(FACETS)
    statement = (
        f"WITH candidates AS ({sql}) "
        f"SELECT 0 AS part, {columns}, COUNT(*) AS n, NULL AS id, NULL AS score, NULL AS title "
        f"FROM candidates GROUP BY {columns} "
        "UNION ALL "
        f"SELECT * FROM (SELECT 1, {columns}, 0, id, score, title FROM candidates WHERE {where} "
        "ORDER BY score DESC, kind, title, id LIMIT %s OFFSET %s) AS page "
        "ORDER BY part, score DESC, kind, title, id"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, *chosen.values(), limit, offset])
        rows = cursor.fetchall()
    groups = [(dict(zip(FACETS, row[1:-4], strict=True)), row[-4]) for row in rows if row[0] == 0]
    ranked = [(row[-3], row[-2]) for row in rows if row[0] == 1]  # (id, score)
    return groups, ranked


def _tally(groups: list, filters: SearchFilters) -> tuple[int, dict]:
    """Total and facet counts from the grouped counts. Each facet counts the matches under every
    *other* filter, so its other options stay visible."""
    total = 0
    counts: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    for values, n in groups:
        ok = {name: not getattr(filters, name) or values[name] == getattr(filters, name) for name in FACETS}
        if all(ok.values()):
            total += n
        for name in FACETS:
            if values[name] and all(ok[other] for other in FACETS if other != name):
                counts[name][values[name]] = counts[name].get(values[name], 0) + n
    return total, {name: facet_list(name, counts[name]) for name in FACETS}


def search(
    *, query: str, terms: list[Term], filters: SearchFilters, kinds: list[str], page: int, page_size: int
) -> SearchResult:
    if connection.vendor != "postgresql" or not terms:
        return _search(query=query, terms=terms, filters=filters, kinds=kinds, page=page, page_size=page_size)
    with transaction.atomic():
        # PostgreSQL prices `tsvector @@ tsquery` as cheap and seq-scans a small table for a
        # common word; but each row check decompresses a vector, while the GIN bitmap needs no
        # recheck at all (stripped vector, no phrase/weight). Measured on 11k entries: 180 ms
        # seq scan vs 25 ms bitmap. LOCAL: only for this transaction.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        return _search(query=query, terms=terms, filters=filters, kinds=kinds, page=page, page_size=page_size)


def _search(
    *, query: str, terms: list[Term], filters: SearchFilters, kinds: list[str], page: int, page_size: int
) -> SearchResult:
    base = (
        SearchEntry.objects.all()
        if set(kinds) >= set(SearchKind.values)
        else SearchEntry.objects.filter(kind__in=kinds)
    )
    offset = (page - 1) * page_size
    candidates = _candidates(base, terms, query, filters, any_term=False)
    groups, ranked = _scan(candidates, filters, offset=offset, limit=page_size)
    total, facets = _tally(groups, filters)
    if terms and total == 0 and len(terms) > 1:
        # No row has every term: rows with any of them (a stray word does not empty the list).
        candidates = _candidates(base, terms, query, filters, any_term=True)
        groups, ranked = _scan(candidates, filters, offset=offset, limit=page_size)
        total, facets = _tally(groups, filters)
    by_id = SearchEntry.objects.only(*HIT_FIELDS).in_bulk([pk for pk, _ in ranked]) if ranked else {}
    hits = [
        Hit(
            kind=e.kind,
            id=e.object_id,
            title=e.title,
            url=e.url,
            title_html=highlight(e.title, terms),
            snippet=snippet(e.body, terms),
            score=float(score),
            module=e.module,
            teacher_kind=e.teacher_kind,
            school_tier=e.school_tier,
        )
        for e, score in ((by_id[pk], score) for pk, score in ranked)
    ]
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


def entry_count() -> int:
    return SearchEntry.objects.count()
