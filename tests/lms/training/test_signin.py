import datetime as dt
import time

import pytest
from django.utils import timezone

from lms.audit.models import AuditEntry
from lms.training import signin
from lms.training.models import Attendance, CreditedDay
from lms.training.services.attendance import (
    NOT_ENROLLED,
    NOT_MEMBER,
    NOT_PUBLISHED,
    SignInRefused,
    attendance_sign_in_token,
)
from tests.factories.training import compliant_class, enrol

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_class(roles, points):
    """A published class in town A with a sign-in session running now; member A enrolled."""
    c = compliant_class(school=roles.tree.town_a, point=points.a)
    s = c.sessions.get(kind="sign_in")
    now = timezone.now().replace(microsecond=0)
    s.starts_at, s.ends_at = now - dt.timedelta(minutes=5), now + dt.timedelta(minutes=25)
    s.save()
    enrol(c, roles.member_a)
    return c, s


def test_enrolled_member_is_marked_present_once(roles, live_class):
    c, s = live_class
    token = signin.token_for(s.pk)
    a1, created1 = attendance_sign_in_token(user=roles.member_a_user, token=token)
    a2, created2 = attendance_sign_in_token(user=roles.member_a_user, token=token)
    assert created1 and not created2 and a1.pk == a2.pk
    assert Attendance.objects.filter(session=s, member=roles.member_a, present=True).count() == 1


def test_page_marks_present_and_repeat_says_already(roles, live_class, login):
    _, s = live_class
    client = login(roles.member_a_user)
    url = f"/training/s/{signin.token_for(s.pk)}/"
    r = client.get(url)
    assert r.status_code == 200 and "签到成功" in r.content.decode()
    r = client.get(url)
    assert "您已签到过" in r.content.decode()
    assert Attendance.objects.filter(session=s).count() == 1


def test_expired_token_refused(roles, live_class, login):
    _, s = live_class
    old = signin.token_for(s.pk, now=time.time() - 200)
    with pytest.raises(SignInRefused) as exc:
        attendance_sign_in_token(user=roles.member_a_user, token=old)
    assert exc.value.reason == signin.EXPIRED
    r = login(roles.member_a_user).get(f"/training/s/{old}/")
    assert r.status_code == 403 and "已过期" in r.content.decode()
    assert not Attendance.objects.exists()


def test_token_from_the_previous_slot_is_still_accepted(roles, live_class):
    _, s = live_class
    previous = signin.token_for(s.pk, now=time.time() - signin.rotate_seconds())
    _, created = attendance_sign_in_token(user=roles.member_a_user, token=previous)
    assert created


def test_tokens_rotate_per_slot():
    t = 1_800_000_010.0  # 10 s into a 30 s slot
    assert signin.token_for(7, now=t) == signin.token_for(7, now=t + 15)
    assert signin.token_for(7, now=t) != signin.token_for(7, now=t + 30)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda tok: tok[:-1] + ("A" if tok[-1] != "A" else "B"),  # tampered signature
        lambda tok: tok.replace(tok.split(":")[0], "999999", 1),  # other session id, same signature
        lambda tok: "garbage",
        lambda tok: "",
    ],
)
def test_forged_tokens_refused(roles, live_class, mangle):
    _, s = live_class
    with pytest.raises(SignInRefused) as exc:
        attendance_sign_in_token(user=roles.member_a_user, token=mangle(signin.token_for(s.pk)))
    assert exc.value.reason == signin.FORGED
    assert not Attendance.objects.exists()


def test_token_for_another_session_refused_when_session_given(roles, live_class):
    c, s = live_class
    other = c.sessions.get(kind="oath")
    assert signin.token_check(signin.token_for(other.pk), s.pk).error == signin.WRONG_SESSION


def test_not_enrolled_member_refused(roles, live_class):
    _, s = live_class
    with pytest.raises(SignInRefused) as exc:
        attendance_sign_in_token(user=roles.member_b_user, token=signin.token_for(s.pk))
    assert exc.value.reason == NOT_ENROLLED


def test_staff_without_member_record_refused(roles, live_class):
    _, s = live_class
    with pytest.raises(SignInRefused) as exc:
        attendance_sign_in_token(user=roles.town_a_staff, token=signin.token_for(s.pk))
    assert exc.value.reason == NOT_MEMBER


def test_out_of_window_refused(roles, live_class, settings):
    c, _ = live_class
    later = c.sessions.get(kind="teaching_point")
    now = timezone.now()
    later.starts_at, later.ends_at = now + dt.timedelta(hours=3), now + dt.timedelta(hours=4)
    later.save()
    with pytest.raises(SignInRefused) as exc:
        attendance_sign_in_token(user=roles.member_a_user, token=signin.token_for(later.pk))
    assert exc.value.reason.startswith("签到尚未开始")
    later.starts_at, later.ends_at = now - dt.timedelta(hours=3), now - dt.timedelta(minutes=20)
    later.save()
    with pytest.raises(SignInRefused) as exc:
        attendance_sign_in_token(user=roles.member_a_user, token=signin.token_for(later.pk))
    assert exc.value.reason.startswith("签到已结束")
    settings.TRAINING_SIGNIN_CLOSE_AFTER_MINUTES = 30  # the margins are settings
    attendance_sign_in_token(user=roles.member_a_user, token=signin.token_for(later.pk))


def test_unpublished_class_refused(roles, live_class):
    c, s = live_class
    c.status = "draft"
    c.save()
    with pytest.raises(SignInRefused) as exc:
        attendance_sign_in_token(user=roles.member_a_user, token=signin.token_for(s.pk))
    assert exc.value.reason == NOT_PUBLISHED


def test_code_sign_in(roles, live_class, login):
    _, s = live_class
    client = login(roles.member_a_user)
    r = client.post("/training/code/", {"code": "12345x"})
    assert "6位" in r.content.decode() or "签到码" in r.content.decode()
    wrong = f"{(int(signin.code_for(s.pk)) + 1) % 1_000_000:06d}"
    r = client.post("/training/code/", {"code": wrong})
    assert "签到码不正确" in r.content.decode()
    r = client.post("/training/code/", {"code": signin.code_for(s.pk)})
    assert "签到成功" in r.content.decode()
    assert Attendance.objects.get(session=s, member=roles.member_a).source == "code"


def test_old_code_expires():
    now = time.time()
    code = signin.code_for(5, slot=signin.current_slot(now) - 10)
    assert not signin.code_matches(5, code, now=now)
    assert signin.code_matches(5, signin.code_for(5, slot=signin.current_slot(now) - 1), now=now)


def test_api_sign_in_and_refusal(roles, live_class, login):
    _, s = live_class
    client = login(roles.member_a_user)
    r = client.post("/api/v1/training/signin/", {"token": signin.token_for(s.pk)}, content_type="application/json")
    assert r.status_code == 200 and r.json()["created"] is True
    r = client.post("/api/v1/training/signin/", {"token": signin.token_for(s.pk)}, content_type="application/json")
    assert r.status_code == 200 and r.json()["created"] is False
    r = client.post("/api/v1/training/signin/", {"token": "x:y:z"}, content_type="application/json")
    assert r.status_code == 403 and r.json()["detail"] == signin.FORGED
    r = client.post("/api/v1/training/signin/", {}, content_type="application/json")
    assert r.status_code == 400


def test_signin_screen_for_staff_only(roles, live_class, login):
    _, s = live_class
    r = login(roles.town_a_staff).get(f"/training/sessions/{s.pk}/signin/")
    body = r.content.decode()
    assert r.status_code == 200 and "<svg" in body and signin.code_for(s.pk) in body
    r = login(roles.town_a_staff).get(f"/training/sessions/{s.pk}/signin/qr/")
    assert r.json()["code"] == signin.code_for(s.pk) and "/training/s/" in r.json()["url"]
    assert login(roles.town_b_staff).get(f"/training/sessions/{s.pk}/signin/").status_code == 404
    assert login(roles.member_a_user).get(f"/training/sessions/{s.pk}/signin/qr/").status_code in (403, 404)


def test_roll_call_audited_and_credits_recomputed(roles, live_class, login):
    c, s = live_class
    client = login(roles.town_a_staff)
    r = client.post(f"/training/sessions/{s.pk}/roll-call/", {"present": [str(roles.member_a.pk)]})
    assert r.status_code == 302
    att = Attendance.objects.get(session=s, member=roles.member_a)
    assert att.present and att.source == "roll_call" and att.recorded_by == roles.town_a_staff
    client.post(f"/training/sessions/{s.pk}/roll-call/", {})
    att.refresh_from_db()
    assert att.present is False
    entries = list(AuditEntry.objects.filter(action="attendance_roll_call").order_by("id"))
    assert [e.changes["present"] for e in entries] == [[None, True], [True, False]]
    assert all(e.actor == roles.town_a_staff for e in entries)
    # nobody outside the town may roll-call
    assert login(roles.town_b_staff).post(f"/training/sessions/{s.pk}/roll-call/", {}).status_code == 404
    assert not CreditedDay.objects.filter(member=roles.member_a).exists()
