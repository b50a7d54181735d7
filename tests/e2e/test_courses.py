"""A member watches a lesson in Debian's Chromium: a real clip processed by the pipeline,
played for a few seconds, then the page is reloaded — playback resumes near where it stopped
and the credited seconds are in the database."""

import time

import pytest

from courses.models import StudyDay, StudyProgress
from media.demo import demo_video_create
from tests.factories.courses import make_course, make_index, make_lesson

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


PLAYER = "document.getElementById('lesson-player')"


def test_member_watches_reloads_and_resumes(roles, served_media, page, live_server, browser_login):
    video = demo_video_create(title="端到端测试视频", seconds=12)
    assert video.is_ready, video.error
    lesson = make_lesson(make_course(make_index(), title="集体学习党章"), title="党章的历史沿革", video=video)

    browser_login(page, "member_a")
    page.goto(f"{live_server.url}{lesson.url}")
    page.wait_for_function(f"{PLAYER}.dataset.ready === '1'")
    assert page.evaluate(f"{PLAYER}.dataset.mode") in ("native-hls", "hls.js")

    page.evaluate(f"{PLAYER}.muted = true; {PLAYER}.play()")
    page.wait_for_function(f"{PLAYER}.currentTime >= 4", timeout=20000)
    with page.expect_response(lambda r: "/heartbeat/" in r.url and r.request.method == "POST") as response:
        page.evaluate(f"{PLAYER}.pause()")
    assert response.value.ok
    stopped_at = page.evaluate(f"{PLAYER}.currentTime")

    progress = StudyProgress.objects.get(member=roles.member_a, lesson=lesson)
    assert progress.watched_seconds >= 3
    assert progress.watched_seconds <= stopped_at + 0.5
    assert abs(progress.last_position - stopped_at) < 0.5
    credited = sum(
        StudyDay.objects.filter(member=roles.member_a, lesson=lesson).values_list("credited_seconds", flat=True)
    )
    assert credited == pytest.approx(progress.watched_seconds)
    assert page.inner_text("#watched-seconds") == str(round(progress.watched_seconds))

    page.reload()
    page.wait_for_function(f"{PLAYER}.dataset.ready === '1' && {PLAYER}.currentTime > 1")
    resumed_at = page.evaluate(f"{PLAYER}.currentTime")
    assert abs(resumed_at - stopped_at) < 2.5

    # Play on and leave without pausing: the page-hide beacon (FormData with the CSRF token)
    # reports the newly played interval.
    before = progress.watched_seconds
    page.evaluate(f"{PLAYER}.muted = true; {PLAYER}.play()")
    page.wait_for_function(f"{PLAYER}.currentTime >= {resumed_at + 3}", timeout=20000)
    page.goto("about:blank")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        progress.refresh_from_db()
        if progress.watched_seconds >= before + 2:
            break
        time.sleep(0.2)
    assert before + 2 <= progress.watched_seconds <= before + 6
    assert progress.last_position > stopped_at + 2


def test_anonymous_visitor_is_sent_to_login(db, served_media, page, live_server):
    lesson = make_lesson(make_course(make_index()), duration=60)
    page.goto(f"{live_server.url}{lesson.url}")
    assert "/login/" in page.url
