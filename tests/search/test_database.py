"""The database backend's own mechanics (its results are checked in test_contract.py): one pass
over the matching rows per search, the full-text index in the plan, and — on PostgreSQL — the
narrow row layout that pass reads."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from search.backends import database
from search.models import SearchEntry
from search.results import SearchFilters
from search.services import search, search_index_rebuild
from search.text import query_terms
from tests.factories.search import build_catalog

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL layout and plan")


@pytest.fixture
def catalog(db, roles):
    cat = build_catalog()
    search_index_rebuild(database_only=True)
    return cat


def _entry_statements(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "search_searchentry" in q["sql"]]


def test_counting_and_ranking_read_the_matches_once(catalog, roles):
    with CaptureQueriesContext(connection) as queries:
        result = search("党", {"school_tier": "city", "kind": "lesson"}, 1, user=roles.member_a_user)
    assert result.total > 0 and result.facets["kind"] and result.facets["school_tier"]
    scan, page_rows = _entry_statements(queries)
    assert scan.startswith("WITH candidates AS") and scan.count(" @@ ") + scan.count(" MATCH ") == 1  # matched once
    assert "body" not in scan.split("FROM")[0]  # the pass never reads bodies or token columns
    assert '"body"' in page_rows.split("FROM")[0] and '"title_tokens"' not in page_rows
    # a page past the end still gets its total and facets, in that one statement
    with CaptureQueriesContext(connection) as queries:
        beyond = search("党", {"school_tier": "city", "kind": "lesson"}, 50, user=roles.member_a_user)
    assert beyond.hits == [] and beyond.total == result.total and beyond.facets == result.facets
    assert len(_entry_statements(queries)) == 1


@postgresql_only
def test_postgresql_matches_through_the_gin_index(catalog):
    candidates = database._candidates(
        SearchEntry.objects.all(), query_terms("党 乡村"), "党 乡村", SearchFilters(), any_term=False
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # as database.search does
        plan = candidates.explain()
    assert "search_entry_vector_gin" in plan


@postgresql_only
def test_postgresql_keeps_wide_columns_out_of_the_row(catalog):
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'search_searchentry'")
        assert "toast_tuple_target=128" in cursor.fetchone()[0]
        cursor.execute(
            "SELECT attname, attstorage FROM pg_attribute WHERE attrelid = 'search_searchentry'::regclass "
            "AND attname IN ('title', 'audiences', 'body', 'body_tokens')"
        )
        assert dict(cursor.fetchall()) == {"title": "p", "audiences": "p", "body": "x", "body_tokens": "x"}
