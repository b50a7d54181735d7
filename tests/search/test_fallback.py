"""Elasticsearch configured but unreachable: searches are served by the database backend
(marked degraded) and the health check says so."""

import json

import pytest
from django.core.cache import cache
from django.test import override_settings

from search.health import search_status
from search.services import ES_DOWN_KEY, search, search_index_rebuild
from tests.factories.search import build_catalog

DEAD = "http://127.0.0.1:9"  # discard port: connection refused at once


@pytest.fixture
def catalog(db, roles):
    cat = build_catalog()
    search_index_rebuild(database_only=True)
    cache.delete(ES_DOWN_KEY)
    yield cat
    cache.delete(ES_DOWN_KEY)


def test_search_falls_back_to_database(catalog, roles):
    with override_settings(ELASTICSEARCH_URL=DEAD):
        result = search("誓词", {}, 1, user=roles.member_a_user)
        assert result.backend == "database" and result.degraded
        assert [h.title for h in result.hits] == ["重温入党誓词"]
        # The failure is remembered briefly: the next search does not wait for the cluster again.
        assert cache.get(ES_DOWN_KEY)
        again = search("党章", {"kind": "lesson"}, 1, user=roles.member_a_user)
        assert again.degraded and again.total >= 2


def test_without_elasticsearch_nothing_is_degraded(catalog, roles):
    with override_settings(ELASTICSEARCH_URL=""):
        result = search("誓词", {}, 1, user=roles.member_a_user)
    assert result.backend == "database" and not result.degraded


def test_health_reports_degraded_with_fallback(catalog, client):
    with override_settings(ELASTICSEARCH_URL=DEAD):
        status = search_status()
        assert status["ok"] is False
        assert status["status"] == "degraded" and status["fallback"] == "database"
        assert status["database"]["entries"] > 0 and status["database"]["fulltext"] is True
        body = json.loads(client.get("/healthz").content)
        assert body["status"] == "degraded"
        assert body["checks"]["search"]["fallback"] == "database"


def test_health_database_backend(catalog):
    with override_settings(ELASTICSEARCH_URL=""):
        status = search_status()
    assert status["ok"] is True and status["backend"] == "database"
    assert status["database"]["fulltext"] is True


def test_search_page_shows_fallback_notice(catalog, roles, login):
    with override_settings(ELASTICSEARCH_URL=DEAD):
        response = login(roles.member_a_user).get("/search/", {"q": "誓词"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "全文检索服务暂不可用" in html and "<mark>誓词</mark>" in html
