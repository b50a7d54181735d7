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
    response = login(roles.member_a_user).get("/search/", {"q": "党章", "module": "<script>alert(1)"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "教学模块" in html and "<script>alert(1)" not in html


def test_page_school_tier_filter_and_facet(catalog, roles, login):
    c = login(roles.member_a_user)
    html = c.get("/search/", {"q": "乡村"}).content.decode()
    assert '<select name="school_tier">' in html
    assert '<option value="town">镇街党校</option>' in html and '<option value="city">市(县)委党校</option>' in html
    assert 'data-facet="school_tier"' in html and "党校层级：" in html
    response = c.get("/search/", {"q": "", "school_tier": "city", "kind": "course"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<option value="city" selected>' in html
    assert "党史学习教育" in html and "法治教育" in html and "乡村振兴专题" not in html
    assert 'data-school-tier="city"' in html and 'data-school-tier="town"' not in html


def test_page_forged_school_tier_is_400_in_chinese(catalog, roles, login):
    response = login(roles.member_a_user).get("/search/", {"q": "党章", "school_tier": '"><script>x'})
    assert response.status_code == 400
    html = response.content.decode()
    assert "党校层级" in html and "不存在" in html and "<script>x" not in html
    assert " selected>" not in html  # the form falls back to no filter, ready for a new search
    assert 'id="search-total"' not in html


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


def test_api_school_tier(catalog, roles, login):
    c = login(roles.member_a_user)
    data = c.get("/api/v1/search/", {"q": "乡村", "school_tier": "town"}).json()
    assert data["total"] == 5 and {h["school_tier"] for h in data["hits"]} == {"town"}
    assert data["facets"]["school_tier"] == [{"value": "town", "label": "镇街党校", "count": 5}]
    for forged in ("county", "Town", "town "):
        r = c.get("/api/v1/search/", {"q": "乡村", "school_tier": forged})
        if forged == "town ":  # surrounding spaces are trimmed like every filter's
            assert r.status_code == 200
            continue
        assert r.status_code == 400
        assert r.json()["detail"] == f"党校层级“{forged}”不存在，请从列表中选择。"


def test_api_suggest(catalog, roles, login):
    c = login(roles.member_a_user)
    data = c.get("/api/v1/search/suggest/", {"q": "乡村"}).json()
    assert {d["title"] for d in data} == {"乡村振兴专题", "乡村振兴战略解读", "5G赋能乡村数字化"}


def test_openapi_lists_search(db, roles, login):
    response = login(roles.superuser).get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/search/" in response.content and b"/api/v1/search/suggest/" in response.content


def test_openapi_school_tier_is_an_enum(db, roles, login):
    schema = login(roles.superuser).get("/api/schema/", {"format": "json"}).json()
    params = {p["name"]: p for p in schema["paths"]["/api/v1/search/"]["get"]["parameters"]}
    assert params["school_tier"]["schema"] == {"type": "string", "enum": ["city", "town"]}
    assert "党校层级" in params["school_tier"]["description"]
    components = schema["components"]["schemas"]
    facets = components["Facets"]["properties"]
    assert set(facets) == {"kind", "module", "school_tier"}
    hit_tier = components["Hit"]["properties"]["school_tier"]
    tier_enum = components[hit_tier["oneOf"][0]["$ref"].rsplit("/", 1)[-1]]["enum"]
    assert tier_enum == ["city", "town"]


def test_nav_and_member_panel(catalog, roles, login):
    html = login(roles.member_a_user).get("/").content.decode()
    assert 'href="/search/"' in html and 'action="/search/"' in html
