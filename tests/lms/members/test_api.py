import pytest

pytestmark = pytest.mark.django_db


def test_me_shows_roles(roles, login):
    data = login(roles.member_a_user).get("/api/v1/me/").json()
    assert data["roles"] == ["member"]
    assert data["member"]["name"] == "甲党员"


def test_members_api_scoped(roles, login):
    ids = [m["id"] for m in login(roles.town_a_staff).get("/api/v1/members/").json()["results"]]
    assert ids == [roles.member_a.pk]
    assert login(roles.town_a_staff).get(f"/api/v1/members/{roles.member_b.pk}/").status_code == 404


def test_members_api_requires_login(client, roles):
    assert client.get("/api/v1/members/").status_code in (401, 403)


def test_openapi_schema_and_docs(client, roles):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert "cdn" not in docs.content.decode().lower()
