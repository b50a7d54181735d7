"""Courses API: permissions, published-only, heartbeats (JSON and sendBeacon form with CSRF),
my progress is only ever my own; everything in the OpenAPI schema."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from courses.models import StudyDay, StudyProgress
from courses.modules import Module
from courses.services import progress_heartbeat_apply
from tests.factories.courses import make_course, make_index, make_lesson

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(db):
    index = make_index()
    course = make_course(index, title="警示教育专题", module=Module.THEMATIC, audiences=["ordinary"])
    lesson = make_lesson(course, title="以案为鉴", duration=120)
    draft = make_lesson(course, title="草稿课", live=False)
    hidden_course = make_course(index, title="未发布课程", live=False)
    hidden_lesson = make_lesson(hidden_course, title="未发布课程的课")
    return {"index": index, "course": course, "lesson": lesson, "draft": draft, "hidden_lesson": hidden_lesson}


def test_anonymous_is_refused(client, catalog):
    for url in ["/api/v1/courses/", f"/api/v1/lessons/{catalog['lesson'].pk}/", "/api/v1/me/progress/"]:
        assert client.get(url).status_code in (401, 403)
    assert client.post(f"/api/v1/lessons/{catalog['lesson'].pk}/heartbeat/", {}).status_code in (401, 403)


def test_catalog_lists_only_live_courses_with_filters(roles, login, catalog):
    client = login(roles.member_a_user)
    data = client.get("/api/v1/courses/").json()
    assert [c["title"] for c in data["results"]] == ["警示教育专题"]
    course = data["results"][0]
    assert course["module_label"] == "专题教育" and course["lesson_count"] == 1
    assert course["audience_labels"] == ["普通党员"]
    assert client.get("/api/v1/courses/", {"module": "general"}).json()["results"] == []
    assert client.get("/api/v1/courses/", {"audience": "mobile"}).json()["results"] == []
    bad = client.get("/api/v1/courses/", {"module": "nope"})
    assert bad.status_code == 400 and "教学模块" in bad.json()["module"]


def test_course_detail_lists_published_lessons_only(roles, login, catalog):
    client = login(roles.member_a_user)
    data = client.get(f"/api/v1/courses/{catalog['course'].pk}/").json()
    assert [lesson["title"] for lesson in data["lessons"]] == ["以案为鉴"]
    hidden = catalog["hidden_lesson"].get_parent()
    assert client.get(f"/api/v1/courses/{hidden.pk}/").status_code == 404


def test_lesson_detail_gives_playback_and_resume(roles, login, catalog):
    lesson = catalog["lesson"]
    progress_heartbeat_apply(member=roles.member_a, lesson=lesson, intervals=[], position=33)
    data = login(roles.member_a_user).get(f"/api/v1/lessons/{lesson.pk}/").json()
    assert data["duration_seconds"] == 120
    assert data["playback"]["status"] == "ready"
    assert data["playback"]["hls_url"].startswith("http://testserver/") and data["playback"]["hls_url"].endswith(
        "master.m3u8"
    )
    assert data["playback"]["mp4_url"].endswith(".mp4")
    assert data["progress"]["resume_position"] == 33
    assert data["course"]["title"] == "警示教育专题"
    assert data["heartbeat_url"] == f"/api/v1/lessons/{lesson.pk}/heartbeat/"


def test_unpublished_lessons_are_404_for_members(roles, login, catalog):
    client = login(roles.member_a_user)
    for key in ("draft", "hidden_lesson"):
        assert client.get(f"/api/v1/lessons/{catalog[key].pk}/").status_code == 404
        assert (
            client.post(
                f"/api/v1/lessons/{catalog[key].pk}/heartbeat/", {"intervals": []}, content_type="application/json"
            ).status_code
            == 404
        )


def test_user_without_role_cannot_open_lessons(roles, login, catalog):
    response = login(roles.nobody).get(f"/api/v1/lessons/{catalog['lesson'].pk}/")
    assert response.status_code == 403 and "党员" in response.json()["detail"]


def test_staff_may_preview_but_heartbeats_are_members_only(roles, login, catalog):
    client = login(roles.town_a_staff)
    assert client.get(f"/api/v1/lessons/{catalog['lesson'].pk}/").status_code == 200
    response = client.post(
        f"/api/v1/lessons/{catalog['lesson'].pk}/heartbeat/", {"intervals": []}, content_type="application/json"
    )
    assert response.status_code == 403 and "党员" in response.json()["detail"]
    assert client.get("/api/v1/me/progress/").status_code == 403


def _open_clock(member, lesson, seconds_ago=30):
    progress_heartbeat_apply(
        member=member, lesson=lesson, intervals=[], now=timezone.now() - dt.timedelta(seconds=seconds_ago)
    )


def test_heartbeat_json_credits_and_rejects_bad_input(roles, login, catalog):
    lesson = catalog["lesson"]
    _open_clock(roles.member_a, lesson)
    client = login(roles.member_a_user)
    url = f"/api/v1/lessons/{lesson.pk}/heartbeat/"
    ok = client.post(url, {"intervals": [[0, 15]], "position": 15}, content_type="application/json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["credited_seconds"] == pytest.approx(15)
    again = client.post(url, {"intervals": [[0, 15]], "position": 15}, content_type="application/json")
    assert again.json()["credited_seconds"] == 0
    outside = client.post(url, {"intervals": [[100, 500]]}, content_type="application/json")
    assert outside.status_code == 400 and "超出视频时长" in outside.json()["detail"]
    malformed = client.post(url, {"intervals": "lots"}, content_type="application/json")
    assert malformed.status_code == 400
    garbage = client.post(url, "{not json", content_type="application/json")
    assert garbage.status_code == 400
    assert StudyDay.objects.get(member=roles.member_a, lesson=lesson).credited_seconds == pytest.approx(15)


def test_beacon_form_with_csrf_token_is_accepted_and_without_is_refused(roles, catalog):
    lesson = catalog["lesson"]
    _open_clock(roles.member_a, lesson)
    client = Client(enforce_csrf_checks=True)
    client.force_login(roles.member_a_user)
    page = client.get(lesson.url)
    token = page.context["csrf_token"]
    url = f"/api/v1/lessons/{lesson.pk}/heartbeat/"
    payload = json.dumps({"intervals": [[0, 10]], "position": 10})
    refused = client.post(url, {"payload": payload})  # multipart like FormData, no token
    assert refused.status_code == 403
    accepted = client.post(url, {"payload": payload, "csrfmiddlewaretoken": str(token)})
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["credited_seconds"] == pytest.approx(10)
    bad = client.post(url, {"payload": "{oops", "csrfmiddlewaretoken": str(token)})
    assert bad.status_code == 400 and "JSON" in bad.json()["payload"]


def test_my_progress_is_only_mine(roles, login, catalog):
    lesson = catalog["lesson"]
    _open_clock(roles.member_b, lesson)
    progress_heartbeat_apply(member=roles.member_b, lesson=lesson, intervals=[[0, 20]])
    data = login(roles.member_a_user).get("/api/v1/me/progress/").json()
    assert data["in_progress"] == [] and data["completed"] == [] and data["seconds_this_year"] == 0
    data = login(roles.member_b_user).get("/api/v1/me/progress/").json()
    assert [row["lesson_title"] for row in data["in_progress"]] == ["以案为鉴"]
    assert data["in_progress"][0]["course_title"] == "警示教育专题"
    assert data["seconds_this_year"] == pytest.approx(20)
    assert "45 分钟" in data["rule"]
    # member A's lesson detail never shows B's position
    progress_heartbeat_apply(member=roles.member_b, lesson=lesson, intervals=[], position=50)
    detail = login(roles.member_a_user).get(f"/api/v1/lessons/{lesson.pk}/").json()
    assert detail["progress"]["last_position"] == 0
    assert StudyProgress.objects.filter(member=roles.member_a).count() == 0


def test_heartbeat_is_throttled(roles, login, catalog, settings):
    from rest_framework.throttling import ScopedRateThrottle

    lesson = catalog["lesson"]
    client = login(roles.member_a_user)
    url = f"/api/v1/lessons/{lesson.pk}/heartbeat/"
    original = ScopedRateThrottle.THROTTLE_RATES
    ScopedRateThrottle.THROTTLE_RATES = {**original, "heartbeat": "3/min"}
    try:
        codes = [client.post(url, {"intervals": []}, content_type="application/json").status_code for _ in range(4)]
    finally:
        ScopedRateThrottle.THROTTLE_RATES = original
    assert codes == [200, 200, 200, 429]


def test_endpoints_are_in_the_openapi_schema(roles, login):
    schema = login(roles.member_a_user).get("/api/schema/", {"format": "json"}).json()
    for path in [
        "/api/v1/courses/",
        "/api/v1/courses/{id}/",
        "/api/v1/lessons/{id}/",
        "/api/v1/lessons/{id}/heartbeat/",
        "/api/v1/me/progress/",
    ]:
        assert path in schema["paths"], path


def test_catalog_names_the_offering_school(roles, login, catalog, django_assert_max_num_queries):
    index = catalog["index"]
    make_course(index, title="甲镇特色课", school=roles.tree.town_a)
    make_course(index, title="乙镇特色课", school=roles.tree.town_b)
    client = login(roles.member_a_user)
    with django_assert_max_num_queries(7):  # the school comes with the course row (no N+1)
        data = client.get("/api/v1/courses/").json()
    schools = {c["title"]: c["school"] for c in data["results"]}
    assert schools["警示教育专题"] is None
    assert schools["甲镇特色课"] == {"id": roles.tree.town_a.pk, "name": roles.tree.town_a.name, "tier": "town"}
    assert schools["乙镇特色课"]["name"] == roles.tree.town_b.name


def test_parallel_lessons_burst_is_capped_by_the_members_wall_clock(roles, login, catalog, settings):
    """Issue #13 as reported, over HTTP with the real clock: 35 lessons opened with empty
    heartbeats, ~2 s later [[0, duration]] claimed on each. Before the member budget this
    credited ~132 s in ~7 s of wall clock; now the total stays within elapsed × max rate."""
    import time

    settings.STUDY_MAX_PLAYBACK_RATE = 2.0
    lessons = [make_lesson(catalog["course"], duration=600) for _ in range(35)]
    client = login(roles.member_a_user)
    started = time.monotonic()
    for lesson in lessons:
        url = f"/api/v1/lessons/{lesson.pk}/heartbeat/"
        assert client.post(url, {"intervals": []}, content_type="application/json").status_code == 200
    time.sleep(2)
    total = 0.0
    for lesson in lessons:
        url = f"/api/v1/lessons/{lesson.pk}/heartbeat/"
        response = client.post(url, {"intervals": [[0, 600]], "position": 600}, content_type="application/json")
        assert response.status_code == 200, response.content
        total += response.json()["credited_seconds"]
    elapsed = time.monotonic() - started
    assert 0 < total <= elapsed * 2.0
    stored = StudyDay.objects.filter(member=roles.member_a).values_list("credited_seconds", flat=True)
    assert sum(stored) == pytest.approx(total)


def test_heartbeats_stop_when_a_lesson_or_its_course_is_unpublished(roles, login, catalog):
    """The heartbeat path reads a cached lesson state; unpublishing forgets it at once."""
    lesson = catalog["lesson"]
    _open_clock(roles.member_a, lesson)
    client = login(roles.member_a_user)
    url = f"/api/v1/lessons/{lesson.pk}/heartbeat/"
    assert client.post(url, {"intervals": [[0, 5]]}, content_type="application/json").status_code == 200
    catalog["course"].unpublish()
    assert client.post(url, {"intervals": [[5, 10]]}, content_type="application/json").status_code == 404
    catalog["course"].save_revision().publish()
    assert client.post(url, {"intervals": [[5, 10]]}, content_type="application/json").status_code == 200
    lesson.refresh_from_db()
    lesson.unpublish()
    response = client.post(url, {"intervals": [[10, 15]]}, content_type="application/json")
    assert response.status_code == 404 and "未找到" in response.json()["detail"]


def test_heartbeats_follow_the_video_state(roles, login, catalog):
    lesson = catalog["lesson"]
    _open_clock(roles.member_a, lesson)
    client = login(roles.member_a_user)
    url = f"/api/v1/lessons/{lesson.pk}/heartbeat/"
    assert client.post(url, {"intervals": [[0, 5]]}, content_type="application/json").status_code == 200
    video = lesson.video
    video.status = video.Status.PROCESSING
    video.save()
    response = client.post(url, {"intervals": [[5, 10]]}, content_type="application/json")
    assert response.status_code == 400 and "尚未就绪" in response.json()["detail"]
