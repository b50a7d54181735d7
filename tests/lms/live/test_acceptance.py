"""Issue #16 acceptance, end to end on the project's nginx-rtmp: a wrong key is refused and
the right one accepted; HLS is live within 10 s; Chromium plays it; the recording goes
through the video pipeline into a ready on-demand lesson linked to the session; a member's
live watch time is credited once; a 收看点 sign-in produces attendance and a credited day."""

from __future__ import annotations

import contextlib
import datetime as dt
import time
import urllib.error
import urllib.request

import pytest
from django.test import Client
from django.utils import timezone

from courses.models import StudyDay, StudyProgress
from courses.services import progress_heartbeat_apply
from lms.live import conf, selectors, services, tasks
from lms.live.models import LiveBroadcast, SiteSignIn, ViewingSite
from lms.training.credit import credited_days_recompute
from lms.training.models import Attendance, ClassSession, CreditedDay, Enrollment, TrainingClass
from media.models import Video
from tests.factories import MemberFactory, OrganizationTree, StaffUserFactory, UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PUSH_SECONDS = 20


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=3) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""
    except OSError:
        return 0, b""


def _wait(predicate, timeout: float, step: float = 0.25, turns=None):
    """Poll; with `turns` (the db_turns lock) each try waits for the live server to be idle."""
    turns = turns or contextlib.nullcontext()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with turns:
            value = predicate()
        if value:
            return value
        time.sleep(step)
    with turns:
        return predicate()


@pytest.fixture
def world(db):
    tree = OrganizationTree.create()
    now = timezone.now()
    klass = TrainingClass.objects.create(
        title="灯塔大课堂",
        school=tree.city,
        start_date=timezone.localdate(now),
        end_date=timezone.localdate(now),
        status=TrainingClass.Status.PUBLISHED,
    )
    session = ClassSession.objects.create(
        training_class=klass,
        kind=ClassSession.Kind.LEADER_LECTURE,
        title="学习贯彻全会精神",
        starts_at=now - dt.timedelta(minutes=10),
        ends_at=now + dt.timedelta(seconds=45),
    )
    member = MemberFactory(branch=tree.branch_a, user=UserFactory(username="live_member"), name="直播党员")
    Enrollment.objects.create(training_class=klass, member=member)
    city_staff = StaffUserFactory(username="live_city", assignment__role="school", assignment__school=tree.city)
    site = ViewingSite.objects.create(name="甲镇分课堂", kind=ViewingSite.Kind.TOWN_SCHOOL, school=tree.town_a)
    broadcast = services.broadcast_create(user=city_staff, session=session, site_ids=[site.pk])
    return tree, session, member, city_staff, broadcast


def test_live_class_end_to_end(live_nginx, live_server, world, browser, monkeypatch, db_turns):
    tree, session, member, city_staff, broadcast = world
    # The hand-over runs on a Celery worker; this test is the worker (step 5), so nginx's
    # callbacks stay short and never race the transcode on the in-memory test database.
    queued: list[int] = []
    monkeypatch.setattr(tasks.broadcast_recording_ingest, "delay", queued.append)

    # 1. Wrong key: nginx asks the platform, which refuses; the broadcast does not go live.
    wrong = live_nginx.push(broadcast.stream_name, "not-the-key", 3)
    assert wrong.wait(30) != 0, "a push with a wrong key must be refused"
    stolen_name_only = live_nginx.push(broadcast.stream_name, "", 3)
    assert stolen_name_only.wait(30) != 0
    with db_turns:
        broadcast.refresh_from_db()
    assert broadcast.status == LiveBroadcast.Status.SCHEDULED

    # 2. Right key: live, and the HLS playlist is there within 10 s.
    pushed_at = time.monotonic()
    push = live_nginx.push(broadcast.stream_name, broadcast.stream_key, PUSH_SECONDS)
    urls = conf.playback_urls(broadcast.stream_name)
    playlist = _wait(lambda: (lambda r: r[1] if r[0] == 200 and b"#EXTINF" in r[1] else None)(_get(urls.video)), 10)
    assert playlist, "HLS playlist not live within 10 s of the push"
    assert time.monotonic() - pushed_at <= 10.5
    with db_turns:
        broadcast.refresh_from_db()
    assert broadcast.status == LiveBroadcast.Status.LIVE and broadcast.started_at is not None
    # Only signed links play: a forged signature, an unsigned path and RTMP playback are refused.
    forged = urls.video.replace("/hls/", "/hls/A", 1)
    assert _get(forged)[0] == 403
    assert _get(f"{live_nginx.http_url}/hls/{broadcast.stream_name}/index.m3u8")[0] == 404
    audio = _wait(lambda: (lambda r: r[0] == 200 and b"#EXTINF" in r[1])(_get(urls.audio)), 10)
    assert audio, "the audio-only rendition is packaged too"

    # 3. A member on a phone plays it in Chromium; currentTime advances; the live heartbeat
    #    credits really-played seconds, never more than the wall clock allows.
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(20000)
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "live_member")
    page.fill("input[name=password]", "Test@12345")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    opened_at = time.monotonic()
    page.goto(f"{live_server.url}/live/{broadcast.pk}/")
    page.wait_for_function("document.getElementById('live-player').currentTime > 1", timeout=20000)
    first = page.evaluate("document.getElementById('live-player').currentTime")
    page.wait_for_timeout(3000)
    second = page.evaluate("document.getElementById('live-player').currentTime")
    assert second > first + 1, f"currentTime did not advance ({first} → {second})"
    assert page.locator("#live-state").inner_text().startswith("直播中")
    latency = page.locator("#live-latency").inner_text()
    assert latency != "—"
    page.evaluate("window.livePlayer.beat()")
    page.wait_for_timeout(1000)
    watched_wall = time.monotonic() - opened_at
    context.close()  # its last heartbeat (page hidden) may still be on its way
    time.sleep(1)
    # From here the test thread reads and writes the database while nginx's callbacks and a
    # late heartbeat may still arrive: it takes turns with the live server.
    db_turns.acquire()
    progress = StudyProgress.objects.get(member=member, lesson=broadcast.lesson)
    credited = sum(StudyDay.objects.filter(member=member).values_list("credited_seconds", flat=True))
    assert 0 < credited <= watched_wall * 2.0 + 1
    assert credited == pytest.approx(progress.watched_seconds, abs=0.01)

    # 4. Sign-in at the 收看点 with its own rotating QR.
    client = Client()
    client.force_login(member.user)
    link = broadcast.site_links.get()
    token = services.site_signin_token(link)
    response = client.get(f"/live/s/{token}/")
    assert response.status_code == 200 and "签到成功" in response.content.decode()
    assert Attendance.objects.filter(session=session, member=member, present=True).count() == 1
    assert SiteSignIn.objects.get(broadcast=broadcast, member=member).broadcast_site == link
    assert client.get(f"/live/s/{token}/").status_code == 200  # a second scan changes nothing
    assert Attendance.objects.filter(session=session, member=member).count() == 1
    # A session's QR token is not a 收看点's (and vice versa).
    from lms.training import signin

    assert client.get(f"/live/s/{signin.token_for(link.pk)}/").status_code == 403

    # A replayed (duplicated) heartbeat earns nothing; the player now counts at the 收看点.
    again = client.post(
        f"/api/v1/live/broadcasts/{broadcast.pk}/heartbeat/",
        {"intervals": progress.intervals},
        content_type="application/json",
    )
    assert again.status_code == 200 and again.json()["credited_seconds"] == 0

    # 5. The push stops: the broadcast ends, the recording goes through the pipeline and
    #    becomes a ready, published on-demand lesson linked to the session.
    db_turns.release()  # nginx calls on_publish_done and on_record_done now
    assert push.wait(PUSH_SECONDS + 30) == 0, push.stderr.read().decode(errors="replace")[-500:]
    broadcast_status = lambda: LiveBroadcast.objects.get(pk=broadcast.pk).status  # noqa: E731
    ended = _wait(lambda: broadcast_status() == LiveBroadcast.Status.ENDED, 15, turns=db_turns)
    assert ended

    processing = LiveBroadcast.RecordingStatus.PROCESSING
    recording_status = lambda: LiveBroadcast.objects.get(pk=broadcast.pk).recording_status  # noqa: E731
    assert _wait(lambda: recording_status() == processing, 15, turns=db_turns)
    db_turns.acquire()
    assert queued and set(queued) == {broadcast.pk}
    for broadcast_id in dict.fromkeys(queued):  # the worker: join, hand over, transcode (eager)
        tasks.broadcast_recording_ingest.apply(args=[broadcast_id])
    b = LiveBroadcast.objects.select_related("recording", "lesson").get(pk=broadcast.pk)
    assert b.recording_status == LiveBroadcast.RecordingStatus.HANDED, b.recording_error
    assert b.recording.status == Video.Status.READY, b.recording.error
    assert b.recording.duration == pytest.approx(PUSH_SECONDS, abs=4)
    assert b.lesson.live and b.lesson.video_id == b.recording_id and b.lesson.is_playable
    assert b.session_id == session.pk

    # Watching the replay over what was watched live earns nothing more: credited once.
    progress.refresh_from_db()
    before = progress.watched_seconds
    StudyProgress.objects.filter(pk=progress.pk).update(last_heartbeat_at=timezone.now() - dt.timedelta(seconds=60))
    replay = progress_heartbeat_apply(member=member, lesson=b.lesson, intervals=progress.intervals)
    assert replay.credited_seconds == 0
    assert StudyProgress.objects.get(pk=progress.pk).watched_seconds == pytest.approx(before)

    # 6. Credited days once the session is over (training's rule, training's writer).
    _wait(lambda: timezone.now() > session.ends_at, 60)
    credited_days_recompute(session.training_class, [member.pk])
    day = CreditedDay.objects.get(member=member, training_class=session.training_class)
    assert day.school_tier == tree.city.tier and day.hours > 0

    # 7. Department view: the 收看点 with its sign-in and the member's watch minutes.
    rows = {r.name: r for r in selectors.site_report(b)}
    assert rows["甲镇分课堂"].signed_in == 1
    assert rows["甲镇分课堂"].viewers_total == 1  # the member's phone, attributed after sign-in
    staff = Client()
    staff.force_login(city_staff)
    assert staff.get(f"/live/{b.pk}/report.xlsx").status_code == 200
