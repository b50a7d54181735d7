import datetime as dt

import pytest
from icalendar import Calendar

from lms.training.ical import teacher_feed_token
from tests.factories.training import at, compliant_class, enrol

pytestmark = pytest.mark.django_db


@pytest.fixture
def soon(roles, points):
    c = compliant_class(
        school=roles.tree.town_a, point=points.a, day=dt.date.today() + dt.timedelta(days=5), title="冬训第一期"
    )
    enrol(c, roles.member_a)
    return c


def test_member_feed_lists_own_sessions(roles, soon, login):
    r = login(roles.member_a_user).get("/training/me.ics")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(r.content)
    events = [e for e in cal.walk("VEVENT")]
    assert len(events) == 6
    summaries = {str(e["SUMMARY"]) for e in events}
    assert "冬训第一期 · 重温入党誓词" in summaries
    visit = next(e for e in events if "现场教学" in str(e["SUMMARY"]))
    assert str(visit["LOCATION"]) == "甲镇红色村史馆"
    assert visit.decoded("DTSTART") == at(soon.start_date, 14)  # an aware instant (14:00 Beijing time)
    empty = Calendar.from_ical(login(roles.member_b_user).get("/training/me.ics").content)
    assert list(empty.walk("VEVENT")) == []


def test_member_feed_needs_member(roles, login, client):
    assert login(roles.town_a_staff).get("/training/me.ics").status_code == 403
    client.logout()
    assert client.get("/training/me.ics").status_code == 302


def test_teacher_feed_by_token_and_forged_token(roles, soon, client):
    from tests.factories.training import roster_teacher

    teacher = roster_teacher(soon.start_date.year, name="王教授")
    soon.sessions.filter(kind="leader_lecture").update(teacher=teacher)
    r = client.get(f"/training/teachers/{teacher_feed_token(teacher.pk)}/feed.ics")
    events = list(Calendar.from_ical(r.content).walk("VEVENT"))
    assert [str(e["SUMMARY"]) for e in events] == ["冬训第一期 · 领导讲课"]
    assert client.get(f"/training/teachers/{teacher.pk}:forged/feed.ics").status_code == 404
    assert client.get(f"/training/teachers/{teacher_feed_token(teacher.pk + 1)}x/feed.ics").status_code == 404
