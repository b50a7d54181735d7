"""The member search page and GET /api/v1/search/: both call search.services.search."""

import pytest

from search.services import search_index_rebuild
from tests.factories.search import build_catalog


@pytest.fixture
def catalog(db, roles):
    cat = build_catalog()
    search_index_rebuild(database_only=True)
    return cat


def test_page_requires_login(client, db):
    response = client.get("/search/", {"q": "党章"})
    assert response.status_code == 302 and "/login" in response["Location"]


def test_member_page_with_filters(catalog, roles, login, django_assert_max_num_queries):
    c = login(roles.member_a_user)
    # constant: session, user, scope, then the search (on PostgreSQL inside a savepoint with
    # SET LOCAL: +3), whatever the number of hits
    with django_assert_max_num_queries(18):
        response = c.get("/search/", {"q": "党章", "kind": "lesson"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "集体学习<mark>党章</mark>" in html and "<mark>党章</mark>修正案解读" in html
    assert 'data-kind="course"' not in html
    assert 'name="teacher_kind"' not in html  # members get no teacher filter
    assert '<option value="teacher"' not in html


def test_staff_page_offers_teachers(catalog, roles, login):
    html = login(roles.town_a_staff).get("/search/", {"q": "王建国"}).content.decode()
    assert 'data-kind="teacher"' in html and 'name="teacher_kind"' in html


def test_page_bad_filter_is_400_in_chinese(catalog, roles, login):
    response = login(roles.member_a_user).get("/search/", {"q": "党章", "module": "<script>"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "教学模块" in html and "<script>" not in html


def test_page_pagination_links(catalog, roles, login):
    c = login(roles.member_a_user)
    html = c.get("/search/", {"q": "党"}).content.decode()
    assert "下一页" in html and "page=2" in html
    html2 = c.get("/search/", {"q": "党", "page": "2"}).content.decode()
    assert "上一页" in html2


def test_api_search(catalog, roles, login, django_assert_max_num_queries):
    c = login(roles.member_a_user)
    with django_assert_max_num_queries(14):
        response = c.get("/api/v1/search/", {"q": "乡村振兴", "module": "thematic"})
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"query", "total", "page", "pages", "page_size", "hits", "facets", "backend", "degraded"}
    assert data["backend"] == "database" and data["degraded"] is False
    titles = [h["title"] for h in data["hits"]]
    assert set(titles[:2]) == {"乡村振兴专题", "乡村振兴战略解读"}  # title matches first
    hit = data["hits"][0]
    assert set(hit) >= {"kind", "id", "title", "url", "title_html", "snippet", "score"}
    assert "<mark>乡村振兴</mark>" in hit["title_html"]
    assert {f["value"] for f in data["facets"]["kind"]} == {"lesson", "course"}


def test_api_errors_and_permissions(catalog, roles, login, client):
    assert client.get("/api/v1/search/", {"q": "党章"}).status_code in (401, 403)
    c = login(roles.member_a_user)
    r = c.get("/api/v1/search/", {"q": "党章", "page": "x"})
    assert r.status_code == 400 and "页码" in r.json()["detail"]
    r = c.get("/api/v1/search/", {"q": "党章", "kind": "teacher"})
    assert r.status_code == 400 and "权限" in r.json()["detail"]
    r = c.get("/api/v1/search/", {"q": "党" * 500})
    assert r.status_code == 400
    staff = login(roles.department)
    r = staff.get("/api/v1/search/", {"q": "李明华"})
    assert [h["kind"] for h in r.json()["hits"]] == ["teacher"]


def test_api_suggest(catalog, roles, login):
    c = login(roles.member_a_user)
    data = c.get("/api/v1/search/suggest/", {"q": "乡村"}).json()
    assert {d["title"] for d in data} == {"乡村振兴专题", "乡村振兴战略解读", "5G赋能乡村数字化"}


def test_openapi_lists_search(db, roles, login):
    response = login(roles.superuser).get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/search/" in response.content and b"/api/v1/search/suggest/" in response.content


def test_nav_and_member_panel(catalog, roles, login):
    html = login(roles.member_a_user).get("/").content.decode()
    assert 'href="/search/"' in html and 'action="/search/"' in html
