"""Live-class rules without a streaming server: who may publish and when, nginx's callback
door, live watch credit, 收看点 sign-in and headcount, scope, the nginx command."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from courses import watch
from courses.models import StudyDay
from lms.live import conf, selectors, services
from lms.live.models import LiveBroadcast, LiveViewer, SiteSignIn, ViewingSite
from lms.training.models import Attendance, ClassSession, Enrollment, TrainingClass
from lms.training.services.attendance import SignInRefused

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(roles, settings, tmp_path):
    settings.LIVE_VAR_DIR = str(tmp_path / "live")
    tree = roles.tree
    now = timezone.now()
    klass = TrainingClass.objects.create(
        title="市委党校大课堂",
        school=tree.city,
        start_date=timezone.localdate(now),
        end_date=timezone.localdate(now),
        status=TrainingClass.Status.PUBLISHED,
    )
    session = ClassSession.objects.create(
        training_class=klass,
        kind=ClassSession.Kind.LEADER_LECTURE,
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=1),
    )
    site_a = ViewingSite.objects.create(
        name="甲镇分课堂", kind=ViewingSite.Kind.TOWN_SCHOOL, school=tree.town_a, capacity=80
    )
    broadcast = services.broadcast_create(user=roles.city_staff, session=session, site_ids=[site_a.pk])
    Enrollment.objects.create(training_class=klass, member=roles.member_a)
    return broadcast


def _callback(call: str, secret: str | None = None, remote: str = "127.0.0.1", **data):
    return Client(REMOTE_ADDR=remote).post(f"/live/rtmp/{secret or conf.callback_secret()}/{call}/", data)


def test_publish_needs_the_sessions_current_key_inside_its_window(live):
    with pytest.raises(services.PublishRefused, match="推流密钥无效"):
        services.broadcast_publish_authorize(name=live.stream_name, key="guess")
    with pytest.raises(services.PublishRefused, match="推流密钥无效"):
        services.broadcast_publish_authorize(name="c999-ffffffff", key=live.stream_key)
    with pytest.raises(services.PublishRefused, match="尚未到推流时间"):
        services.broadcast_publish_authorize(
            name=live.stream_name, key=live.stream_key, now=live.publish_opens_at - dt.timedelta(seconds=1)
        )
    with pytest.raises(services.PublishRefused, match="推流时间已过"):
        services.broadcast_publish_authorize(
            name=live.stream_name, key=live.stream_key, now=live.publish_closes_at + dt.timedelta(seconds=1)
        )
    b = services.broadcast_publish_authorize(name=live.stream_name, key=live.stream_key, addr="10.0.0.5")
    assert b.status == LiveBroadcast.Status.LIVE and b.started_at
    first_start = b.started_at
    services.broadcast_publish_done(name=live.stream_name, key=live.stream_key)
    again = services.broadcast_publish_authorize(name=live.stream_name, key=live.stream_key)
    assert again.started_at == first_start  # a reconnecting encoder resumes the broadcast


def test_rotated_key_refuses_the_old_one(live, roles):
    old = live.stream_key
    with pytest.raises(PermissionDenied):
        services.broadcast_key_rotate(user=roles.town_a_staff, broadcast=live)
    services.broadcast_key_rotate(user=roles.city_staff, broadcast=live)
    with pytest.raises(services.PublishRefused):
        services.broadcast_publish_authorize(name=live.stream_name, key=old)


def test_cancelled_class_cannot_publish(live):
    TrainingClass.objects.filter(pk=live.session.training_class_id).update(status=TrainingClass.Status.CANCELLED)
    with pytest.raises(services.PublishRefused, match="已取消"):
        services.broadcast_publish_authorize(name=live.stream_name, key=live.stream_key)


def test_callback_door_only_for_our_nginx(live):
    ok = {"name": live.stream_name, "key": live.stream_key, "type": "live"}
    assert _callback("publish", secret="0" * 32, **ok).status_code == 404
    assert _callback("publish", remote="203.0.113.9", **ok).status_code == 404
    assert _callback("publish", name=live.stream_name, key="bad").status_code == 403
    assert LiveBroadcast.objects.get(pk=live.pk).status == LiveBroadcast.Status.SCHEDULED
    assert _callback("publish", **ok).status_code == 200
    assert LiveBroadcast.objects.get(pk=live.pk).status == LiveBroadcast.Status.LIVE
    assert Client().get(f"/live/rtmp/{conf.callback_secret()}/publish/").status_code == 405
    assert _callback("publish-done", name=live.stream_name, key=live.stream_key).status_code == 200
    assert LiveBroadcast.objects.get(pk=live.pk).status == LiveBroadcast.Status.ENDED


def test_record_done_reads_only_our_recordings(live, tmp_path, settings):
    outside = tmp_path / "secret.flv"
    outside.write_bytes(b"x")
    assert services.broadcast_record_done(name=live.stream_name, key=live.stream_key, path=str(outside)) is None
    rec = conf.recordings_dir()
    rec.mkdir(parents=True)
    other = rec / "c1-other-1.flv"
    other.write_bytes(b"x")
    assert services.broadcast_record_done(name=live.stream_name, key=live.stream_key, path=str(other)) is None
    sneaky = rec / ".." / "secret.flv"
    assert services.broadcast_record_done(name=live.stream_name, key=live.stream_key, path=str(sneaky)) is None
    assert LiveBroadcast.objects.get(pk=live.pk).recording_status == LiveBroadcast.RecordingStatus.NONE


def test_live_heartbeat_credits_only_played_seconds_within_the_clock(live, roles):
    start = timezone.now() - dt.timedelta(seconds=100)
    LiveBroadcast.objects.filter(pk=live.pk).update(status=LiveBroadcast.Status.LIVE, started_at=start)
    live.refresh_from_db()
    user = roles.member_a_user
    t0 = start + dt.timedelta(seconds=40)
    first = services.live_heartbeat_apply(user=user, broadcast=live, intervals=[[0, 40]], now=t0)
    assert first["credited_seconds"] == 0  # the first heartbeat only opens the clock
    forged = services.live_heartbeat_apply(
        user=user, broadcast=live, intervals=[[0, 900]], now=t0 + dt.timedelta(seconds=10)
    )
    assert forged["credited_seconds"] == pytest.approx(10 * watch.max_playback_rate())
    honest = services.live_heartbeat_apply(
        user=user, broadcast=live, intervals=[[40, 55]], now=t0 + dt.timedelta(seconds=25)
    )
    assert honest["credited_seconds"] == pytest.approx(15)
    replay = services.live_heartbeat_apply(
        user=user, broadcast=live, intervals=[[40, 55]], now=t0 + dt.timedelta(seconds=40)
    )
    assert replay["credited_seconds"] == 0
    total = sum(StudyDay.objects.filter(member=roles.member_a).values_list("credited_seconds", flat=True))
    assert total == pytest.approx(35)
    assert LiveViewer.objects.get(broadcast=live, user=user).credited_seconds == pytest.approx(35)
    with pytest.raises(watch.HeartbeatError):
        services.live_heartbeat_apply(user=user, broadcast=live, intervals="[[0,1]]")
    with pytest.raises(watch.HeartbeatError):  # absurd claims are refused as a whole
        services.live_heartbeat_apply(user=user, broadcast=live, intervals=[[0, 1e9]])


def test_heartbeat_before_the_broadcast_is_refused_in_chinese(live, roles):
    client = Client()
    client.force_login(roles.member_a_user)
    response = client.post(
        f"/api/v1/live/broadcasts/{live.pk}/heartbeat/", {"intervals": [[0, 5]]}, content_type="application/json"
    )
    assert response.status_code == 409 and "直播尚未开始" in response.json()["detail"]


def test_who_may_watch(live, roles):
    # Members of the towns under the city school watch its 大课堂; a nobody does not.
    assert selectors.may_watch_broadcast(roles.member_a_user, live)
    assert selectors.may_watch_broadcast(roles.member_b_user, live)
    assert not selectors.may_watch_broadcast(roles.nobody, live)
    # A town's own class is for that town (and those enrolled), not the neighbouring town.
    klass = TrainingClass.objects.create(
        title="甲镇夜校",
        school=roles.tree.town_a,
        start_date=timezone.localdate(),
        end_date=timezone.localdate(),
        status=TrainingClass.Status.PUBLISHED,
    )
    session = ClassSession.objects.create(
        training_class=klass,
        kind=ClassSession.Kind.OPTIONAL,
        title="夜校",
        starts_at=timezone.now(),
        ends_at=timezone.now() + dt.timedelta(hours=1),
    )
    town = services.broadcast_create(user=roles.town_a_staff, session=session)
    assert selectors.may_watch_broadcast(roles.member_a_user, town)
    assert not selectors.may_watch_broadcast(roles.member_b_user, town)
    assert not selectors.may_watch_broadcast(roles.town_b_staff, town)
    client = Client()
    client.force_login(roles.member_b_user)
    assert client.get(f"/live/{town.pk}/").status_code == 404
    assert client.get(f"/api/v1/live/broadcasts/{town.pk}/").status_code == 404


def test_stream_key_only_for_the_schools_staff(live, roles):
    staff = Client()
    staff.force_login(roles.city_staff)
    page = staff.get(f"/live/{live.pk}/manage/").content.decode()
    assert live.stream_key in page and "rtmp://" in page
    for user in (roles.member_a_user, roles.town_b_staff, roles.department):
        client = Client()
        client.force_login(user)
        response = client.get(f"/live/{live.pk}/manage/")
        assert live.stream_key not in response.content.decode()
        detail = client.get(f"/api/v1/live/broadcasts/{live.pk}/")
        assert live.stream_key not in detail.content.decode()
    member = Client()
    member.force_login(roles.member_a_user)
    watch_page = member.get(f"/live/{live.pk}/").content.decode()
    assert live.stream_key not in watch_page and "/hls/" in watch_page


def test_site_sign_in_uses_the_training_rules(live, roles):
    link = live.site_links.get()
    token = services.site_signin_token(link)
    with pytest.raises(SignInRefused, match="未报名"):
        services.site_sign_in(user=roles.member_b_user, token=token)
    with pytest.raises(SignInRefused):
        services.site_sign_in(user=roles.member_a_user, token=token[:-2] + "xx")
    attendance, created, site = services.site_sign_in(user=roles.member_a_user, token=token)
    assert created and site == link and attendance.present
    _, created_again, _ = services.site_sign_in(user=roles.member_a_user, token=token)
    assert not created_again
    assert Attendance.objects.filter(session=live.session, member=roles.member_a).count() == 1
    assert SiteSignIn.objects.filter(broadcast=live).count() == 1
    rows = {r.name: r for r in selectors.site_report(live)}
    assert rows["甲镇分课堂"].signed_in == 1


@pytest.mark.parametrize("value", ["-1", "1e3", "８", "٣", "9" * 40, "", "81"])
def test_headcount_refuses_bad_numbers(live, roles, value):
    link = live.site_links.get()
    with pytest.raises(ValidationError):
        services.site_headcount_record(user=roles.town_a_staff, broadcast_site=link, count=value)


def test_headcount_by_the_sites_operator_only(live, roles):
    link = live.site_links.get()
    with pytest.raises(PermissionDenied):
        services.site_headcount_record(user=roles.town_b_staff, broadcast_site=link, count="10")
    services.site_headcount_record(user=roles.town_a_staff, broadcast_site=link, count=" 12 ")
    link.refresh_from_db()
    assert link.headcount == 12
    client = Client()
    client.force_login(roles.town_b_staff)
    assert client.get(f"/live/sites/{link.pk}/screen/").status_code == 404


def test_sites_outside_scope_cannot_join(live, roles):
    other = ViewingSite.objects.create(name="乙镇活动室", kind=ViewingSite.Kind.BRANCH_ROOM, school=roles.tree.town_b)
    with pytest.raises(PermissionDenied):
        services.broadcast_sites_set(user=roles.town_a_staff, broadcast=live, site_ids=[other.pk])
    with pytest.raises(ValidationError):
        services.broadcast_sites_set(user=roles.city_staff, broadcast=live, site_ids=[987654321])
    with pytest.raises(ValidationError):
        services.broadcast_sites_set(user=roles.city_staff, broadcast=live, site_ids=["１"])
    assert services.broadcast_sites_set(user=roles.city_staff, broadcast=live, site_ids=[other.pk]) == [other.pk]


def test_report_xlsx_neutralises_formulas(live, roles):
    ViewingSite.objects.filter(pk=live.site_links.get().site_id).update(name='=HYPERLINK("http://x")')
    client = Client()
    client.force_login(roles.city_staff)
    response = client.get(f"/live/{live.pk}/report.xlsx")
    assert response.status_code == 200
    import io

    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(response.content)).active
    names = [row[0].value for row in ws.iter_rows(min_row=3)]
    cell = next(row[0] for row in ws.iter_rows(min_row=3) if "HYPERLINK" in str(row[0].value))
    assert cell.data_type == "s" and any("HYPERLINK" in str(n) for n in names)
    member = Client()
    member.force_login(roles.member_a_user)
    assert member.get(f"/live/{live.pk}/report.xlsx").status_code == 404


def test_live_nginx_command(settings, tmp_path):
    settings.LIVE_VAR_DIR = str(tmp_path / "live")
    if conf.unavailable_reason():
        pytest.skip(conf.unavailable_reason())
    out = StringIO()
    call_command("live_nginx", "--write-only", "--rtmp-port", "19358", "--http-port", "8818", stdout=out)
    text = Path(settings.LIVE_VAR_DIR, "nginx.conf").read_text()
    assert "on_publish http://127.0.0.1:8000/live/rtmp/" in text and "secure_link_md5" in text
    assert conf.callback_secret() in text and "deny play all" in text


def test_live_nginx_without_nginx_says_why(settings, tmp_path):
    settings.LIVE_VAR_DIR = str(tmp_path / "live")
    settings.LIVE_NGINX_BINARY = "/nonexistent/nginx"
    out = StringIO()
    call_command("live_nginx", stdout=out)
    assert "直播功能未启用" in out.getvalue() and "apt-get install" in out.getvalue()
    assert not Path(settings.LIVE_VAR_DIR, "nginx.conf").exists()


def test_school_sets_a_session_live_from_the_live_page(live, roles):
    session = ClassSession.objects.create(
        training_class=live.session.training_class,
        kind=ClassSession.Kind.OPTIONAL,
        title="专题辅导",
        starts_at=timezone.now() + dt.timedelta(days=1),
        ends_at=timezone.now() + dt.timedelta(days=1, hours=2),
    )
    site = live.site_links.get().site
    staff = Client()
    staff.force_login(roles.city_staff)
    assert f"/live/sessions/{session.pk}/setup/" in staff.get("/live/").content.decode()
    other = Client()
    other.force_login(roles.town_b_staff)
    assert f"/live/sessions/{session.pk}/setup/" not in other.get("/live/").content.decode()
    assert other.post(f"/live/sessions/{session.pk}/setup/", {"sites": [site.pk]}).status_code in (403, 404)
    response = staff.post(f"/live/sessions/{session.pk}/setup/", {"sites": [site.pk]})
    broadcast = LiveBroadcast.objects.get(session=session)
    assert response.status_code == 302 and response["Location"] == f"/live/{broadcast.pk}/manage/"
    assert list(broadcast.sites.all()) == [site]
    assert broadcast.lesson is not None and not broadcast.lesson.live
