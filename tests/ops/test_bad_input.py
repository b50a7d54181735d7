"""Bad input never answers 500 (issue #13.7): oversized and non-ASCII numbers in paths, query
strings and bodies, and JSON nested 1,000 deep, get 400 or 404 with a Chinese message — on
the API and on the pages alike, through one parser (lms/params.py)."""

import json
import re

import pytest
from django.test import Client

from lms import params
from tests.factories.training import ClassFactory

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"  # 20 digits: more than any database integer
SUPER = "²"  # str.isdigit() is True, int() refuses it
ARABIC = "٣"  # int() accepts it as 3
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _chinese(response) -> str:
    text = response.content.decode()
    if response.headers.get("Content-Type", "").startswith("application/json"):
        text = json.dumps(response.json(), ensure_ascii=False)
    assert CHINESE.search(text), f"{response.status_code} without a Chinese message: {text[:300]}"
    return text


def _api(client, method, url, **kw):
    return getattr(client, method)(url, **kw, HTTP_ACCEPT="application/json")


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/courses/{HUGE}/",
        f"/api/v1/lessons/{HUGE}/",
        f"/api/v1/members/{HUGE}/",
        f"/api/v1/training/classes/{HUGE}/",
        f"/api/v1/quotas/progress/members/{HUGE}/",
        f"/api/v1/teachers/{HUGE}/",
        "/api/v1/training/classes/9223372036854775808/",  # 2^63: 19 digits, one past the largest id
    ],
)
def test_oversized_ids_in_api_paths_are_404(roles, url):
    client = Client()
    client.force_login(roles.superuser)
    response = _api(client, "get", url)
    assert response.status_code == 404
    _chinese(response)


def test_oversized_lesson_heartbeat_is_404(roles):
    client = Client()
    client.force_login(roles.member_a_user)
    response = client.post(f"/api/v1/lessons/{HUGE}/heartbeat/", {"intervals": []}, content_type="application/json")
    assert response.status_code == 404
    _chinese(response)


@pytest.mark.parametrize(
    "url",
    [
        f"/training/classes/{HUGE}/",
        f"/training/sessions/{HUGE}/roll-call/",
        f"/progress/members/{HUGE}/",
        f"/teachers/{HUGE}/",
        f"/roster/jobs/{HUGE}/",
    ],
)
def test_oversized_ids_in_page_paths_are_404(roles, url):
    client = Client()
    client.force_login(roles.superuser)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("value", [HUGE, SUPER, ARABIC, "-1", "1.5", "0x10", " 12 3"])
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/training/classes/?year={}",
        "/api/v1/training/plans/?year={}",
        "/api/v1/training/credited-days/?year={}",
        "/api/v1/quotas/coverage/?year={}",
        "/api/v1/quotas/coverage/?level=town&parent={}",
        "/api/v1/quotas/rules/?year={}",
        "/api/v1/quotas/warnings/?year={}",
        "/api/v1/quotas/progress/me/?year={}",
        "/api/v1/members/?branch={}",
        "/api/v1/training/attendance/?session={}",
        "/api/v1/teachers/assessment/?year={}",
    ],
)
def test_bad_numbers_in_api_query_strings_are_400(roles, url, value):
    client = Client()
    client.force_login(roles.member_a_user if "progress/me" in url else roles.superuser)
    response = _api(client, "get", url.format(value))
    assert response.status_code == 400, response.content[:300]
    _chinese(response)


@pytest.mark.parametrize("value", [HUGE, SUPER, ARABIC])
@pytest.mark.parametrize(
    "url",
    [
        "/training/?year={}",
        "/progress/coverage/?year={}",
        "/progress/coverage/?level=town&id={}",
        "/progress/warnings/?year={}",
        "/progress/rules/?year={}",
        "/teachers/assessment/?year={}",
    ],
)
def test_bad_numbers_in_page_query_strings_are_400(roles, url, value):
    """The pages refuse what the API refuses (they used to fall back to this year silently)."""
    client = Client()
    client.force_login(roles.superuser)
    response = client.get(url.format(value))
    assert response.status_code == 400
    _chinese(response)


def test_my_progress_page_refuses_a_bad_year_like_the_api(roles):
    client = Client()
    client.force_login(roles.member_a_user)
    page, api = client.get(f"/progress/me/?year={SUPER}"), client.get(f"/api/v1/quotas/progress/me/?year={SUPER}")
    assert page.status_code == api.status_code == 400
    assert "年度" in page.content.decode() and "年度" in api.json()["year"][0]


@pytest.mark.parametrize("member_id", [int(HUGE), 2**63, -1, 0])
def test_enrolling_an_impossible_member_id_is_400(roles, member_id):
    training_class = ClassFactory(school=roles.tree.town_a)
    client = Client()
    client.force_login(roles.superuser)
    response = client.post(
        f"/api/v1/training/classes/{training_class.pk}/enrol/",
        {"members": [member_id]},
        content_type="application/json",
    )
    assert response.status_code == 400
    _chinese(response)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    "url,role",
    [
        ("/api/v1/training/signin/", "member_a_user"),
        ("/api/v1/lessons/1/heartbeat/", "member_a_user"),
        ("/api/v1/training/plans/", "superuser"),
        ("/api/v1/training/attendance/roll-call/", "superuser"),
    ],
)
@pytest.mark.parametrize("depth", [1000, 100_000])
def test_deeply_nested_json_is_400(roles, url, role, depth):
    client = Client()
    client.force_login(getattr(roles, role))
    body = '{"payload": ' + _nested(depth) + "}"
    response = client.post(url, body, content_type="application/json")
    assert response.status_code in (400, 404), response.content[:300]
    _chinese(response)


def test_deeply_nested_json_inside_a_beacon_payload_is_400(roles):
    client = Client()
    client.force_login(roles.member_a_user)
    response = client.post("/api/v1/lessons/1/heartbeat/", {"payload": _nested(1000)})
    assert response.status_code in (400, 404)
    _chinese(response)


def test_too_many_form_fields_in_an_api_body_is_a_json_400(roles):
    training_class = ClassFactory(school=roles.tree.town_a)
    client = Client()
    client.force_login(roles.superuser)
    body = {"members": [str(n) for n in range(1, 3000)]}  # over DATA_UPLOAD_MAX_NUMBER_FIELDS
    response = client.post(f"/api/v1/training/classes/{training_class.pk}/enrol/", body)
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/json")
    _chinese(response)


# --- the parser itself --------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [SUPER, ARABIC, "1e3", "+1", "-1", "１２", HUGE, "12 3", "0x1"])
def test_integer_accepts_ascii_digits_only(raw):
    with pytest.raises(params.BadParameter) as exc:
        params.object_id(raw, name="branch", label="支部")
    assert CHINESE.search(exc.value.text)
    assert exc.value.message_dict == {"branch": [exc.value.text]}


def test_integer_bounds_and_blank():
    assert params.object_id(" 42 ", name="x") == 42
    assert params.object_id("", name="x", default=7) == 7
    assert params.object_id(str(params.ID_MAX), name="x") == params.ID_MAX
    with pytest.raises(params.BadParameter):
        params.object_id(str(params.ID_MAX + 1), name="x")
    with pytest.raises(params.BadParameter):
        params.object_id("0", name="x")


def test_year_range_is_one_rule():
    earliest, latest = params.year_bounds()
    assert params.year(str(earliest)) == earliest and params.year(str(latest)) == latest
    assert params.year(None) == params.year("") == params.year_bounds()[1] - 1
    assert params.year("", default=None) is None
    for bad in (str(earliest - 1), str(latest + 1), SUPER, HUGE):
        with pytest.raises(params.BadParameter):
            params.year(bad)


def test_choice_and_flag():
    assert params.choice("town", name="level", choices=["county", "town"]) == "town"
    with pytest.raises(params.BadParameter):
        params.choice("city", name="level", label="层级", choices=["county", "town"])
    assert params.flag("true", name="x") is True and params.flag("0", name="x") is False
    with pytest.raises(params.BadParameter):
        params.flag("maybe", name="x")


def test_id_converter_refuses_what_cannot_exist():
    converter = params.IdConverter()
    assert converter.to_python("12") == 12
    for bad in ("0", str(params.ID_MAX + 1)):
        with pytest.raises(ValueError):
            converter.to_python(bad)
    assert not re.fullmatch(converter.regex, HUGE) and not re.fullmatch(converter.regex, SUPER)


def test_api_answers_json_for_unknown_paths(roles):
    client = Client()
    client.force_login(roles.superuser)
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert CHINESE.search(json.dumps(response.json(), ensure_ascii=False))
