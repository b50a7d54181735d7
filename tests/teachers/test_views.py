import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from teachers.models import Evaluation, RosterEntry, Teacher, TeacherSpecialty
from tests.factories import MemberFactory, UserFactory
from tests.factories.teachers import (
    ClassSessionFactory,
    RosterEntryFactory,
    RosterYearFactory,
    TeacherFactory,
    attend,
    evaluate,
)

pytestmark = pytest.mark.django_db

FORM = {f"score_{c}": "4" for c in ("political", "content", "practice", "method", "overall")}


@pytest.fixture
def teacher_user(roles):
    user = UserFactory(username="teacher_t")
    teacher = TeacherFactory(name="张讲师", user=user, phone="13900001111", biography="党史研究")
    return user, teacher


def test_member_evaluates_attended_session_and_resubmit_edits(roles, login, teacher_user):
    _, teacher = teacher_user
    session = ClassSessionFactory(teacher=teacher)
    attend(session, roles.member_a)
    client = login(roles.member_a_user)
    url = reverse("teachers:evaluate", args=[session.pk])
    assert client.get(url).status_code == 200
    r = client.post(url, {**FORM, "comment": "很受启发"})
    assert r.status_code == 302
    r = client.post(url, {**FORM, "score_overall": "5", "comment": "修改后"})
    assert r.status_code == 302
    ev = Evaluation.objects.get()
    assert ev.comment == "修改后" and str(ev.mean_score) == "4.20"
    # Bad input: out of range, missing dimension -> 400 with a Chinese message, nothing changed.
    r = client.post(url, {**FORM, "score_overall": "9"})
    assert r.status_code == 400 and "1–5" in r.content.decode()
    r = client.post(url, {"score_political": "3"})
    assert r.status_code == 400 and "请为以下维度评分" in r.content.decode()
    assert Evaluation.objects.get().comment == "修改后"


def test_member_cannot_evaluate_a_session_they_did_not_attend(roles, login, teacher_user):
    session = ClassSessionFactory(teacher=teacher_user[1])
    attend(session, roles.member_a)
    client = login(roles.member_b_user)
    r = client.post(reverse("teachers:evaluate", args=[session.pk]), FORM)
    assert r.status_code == 400 and "只有参加了本次课程的学员" in r.content.decode()
    assert client.get(reverse("teachers:evaluate", args=[session.pk])).status_code == 403
    assert not Evaluation.objects.exists()
    assert login(roles.town_a_staff).post(reverse("teachers:evaluate", args=[session.pk]), FORM).status_code == 400


def test_feedback_shows_aggregate_only_from_minimum_and_without_names(roles, login, teacher_user):
    user, teacher = teacher_user
    members = [MemberFactory(branch=roles.tree.branch_a, name=f"学员{i}") for i in range(3)]
    shown = ClassSessionFactory(teacher=teacher, title="党史专题")
    hidden = ClassSessionFactory(teacher=teacher, title="党章学习")
    attend(shown, *members)
    attend(hidden, *members)
    evaluate(shown, members[0], 5, "案例生动")
    evaluate(shown, members[1], 4)
    evaluate(shown, members[2], 3, "时间偏短")
    evaluate(hidden, members[0], 1, "只有两人看得到的意见")
    evaluate(hidden, members[1], 2)
    html = login(user).get(reverse("teachers:my-feedback")).content.decode()
    assert "4.00" in html and "案例生动" in html and "时间偏短" in html
    assert "只有两人看得到的意见" not in html and "评价不足 3 份" in html
    assert not any(m.name in html for m in members)


def test_teacher_cannot_see_another_teachers_feedback_or_schedule(roles, login, teacher_user):
    user, teacher = teacher_user
    other = TeacherFactory()
    client = login(user)
    assert client.get(reverse("teachers:feedback", args=[teacher.pk])).status_code == 200
    assert client.get(reverse("teachers:feedback", args=[other.pk])).status_code == 404
    assert client.get(reverse("teachers:schedule", args=[other.pk])).status_code == 404
    assert login(roles.member_a_user).get(reverse("teachers:feedback", args=[teacher.pk])).status_code == 404
    assert login(roles.town_a_staff).get(reverse("teachers:feedback", args=[teacher.pk])).status_code == 404
    assert login(roles.department).get(reverse("teachers:feedback", args=[teacher.pk])).status_code == 200


def test_contact_details_are_for_staff_only(roles, login, teacher_user):
    _, teacher = teacher_user
    member_html = login(roles.member_a_user).get(reverse("teachers:detail", args=[teacher.pk])).content.decode()
    assert "党史研究" in member_html and "13900001111" not in member_html
    staff_html = login(roles.town_a_staff).get(reverse("teachers:detail", args=[teacher.pk])).content.decode()
    assert "13900001111" in staff_html
    list_html = login(roles.member_a_user).get(reverse("teachers:list")).content.decode()
    assert "张讲师" in list_html and "13900001111" not in list_html
    assert login(roles.nobody).get(reverse("teachers:list")).content.decode().count("张讲师") == 0


def test_school_staff_cannot_edit_the_pool(roles, login):
    teacher = TeacherFactory()
    roster = RosterYearFactory(year=2026)
    entry = RosterEntryFactory(roster=roster, teacher=teacher)
    client = login(roles.town_a_staff)
    assert client.get(reverse("teachers:roster", args=[2026])).status_code == 200
    assert client.post(reverse("teachers:roster-open", args=[2027])).status_code == 403
    assert client.post(reverse("teachers:roster-remove", args=[entry.pk]), {"reason": "x"}).status_code == 403
    other = TeacherFactory()
    assert (
        client.post(reverse("teachers:roster-add", args=[2026]), {"teacher": other.pk, "reason": "x"}).status_code
        == 403
    )
    assert RosterEntry.objects.filter(removed_at__isnull=True).count() == 1
    assert client.get(reverse("teachers:assessment")).status_code == 403
    assert client.get(reverse("teachers:assessment-xlsx")).status_code == 403
    assert login(roles.member_a_user).get(reverse("teachers:roster", args=[2026])).status_code == 403


def test_department_manages_roster_through_pages(roles, login):
    teacher = TeacherFactory()
    client = login(roles.department)
    client.post(reverse("teachers:roster-open", args=[2026]))
    r = client.post(reverse("teachers:roster-add", args=[2026]), {"teacher": teacher.pk, "reason": "新聘"})
    assert r.status_code == 302
    r = client.post(reverse("teachers:roster-add", args=[2026]), {"teacher": "abc", "reason": "新聘"})
    entry = RosterEntry.objects.get()
    client.post(reverse("teachers:roster-remove", args=[entry.pk]), {"reason": ""})
    entry.refresh_from_db()
    assert entry.removed_at is None
    client.post(reverse("teachers:roster-remove", args=[entry.pk]), {"reason": "考核不合格"})
    entry.refresh_from_db()
    assert entry.removal_reason == "考核不合格" and entry.removed_by == roles.department
    html = client.get(reverse("teachers:roster", args=[2026])).content.decode()
    assert "考核不合格" in html and "已调出" in html


def test_assessment_page_and_xlsx(roles, login, django_assert_max_num_queries):
    import datetime as dt

    from django.utils import timezone

    tz = timezone.get_current_timezone()
    members = [MemberFactory(branch=roles.tree.branch_a) for _ in range(3)]
    good = TeacherFactory(name="好讲师", kind=Teacher.Kind.EXPERT)
    weak = TeacherFactory(name="弱讲师", kind=Teacher.Kind.EXPERT)
    for t, score in ((good, 5), (weak, 2)):
        s = ClassSessionFactory(teacher=t, starts_at=dt.datetime(2025, 5, 1, 9, tzinfo=tz))
        attend(s, *members)
        for m in members:
            evaluate(s, m, score)
    client = login(roles.department)
    # Session, user, scope and other apps' navigation included; independent of the pool size.
    with django_assert_max_num_queries(25):
        r = client.get(reverse("teachers:assessment"), {"year": 2025})
    assert r.status_code == 200 and "1 名列为调整候选" in r.content.decode()
    r = client.get(reverse("teachers:assessment-xlsx"), {"year": 2025, "kind": "expert"})
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("排名（类别内）", "姓名", "类别")
    assert "综合得分" in rows[0] and "政治站位均分" in rows[0]
    by_name = {row[1]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert set(by_name) == {"好讲师", "弱讲师"}
    assert by_name["好讲师"]["综合得分"] == 5.0 and by_name["好讲师"]["排名（类别内）"] == 1
    assert by_name["弱讲师"]["参评率"] == 1.0 and "综合得分低于3.50" in by_name["弱讲师"]["调整提示"]


def test_calendar_feed_by_token(roles, login, teacher_user):
    user, teacher = teacher_user
    ClassSessionFactory(teacher=teacher, title="乡村振兴专题")
    from icalendar import Calendar

    client = login(user)
    html = client.get(reverse("teachers:my-schedule")).content.decode()
    feed = re.search(r'value="(http[^"]+\.ics)"', html).group(1)
    client.logout()  # calendar apps subscribe without logging in
    r = client.get(feed)
    assert r.status_code == 200 and r["Content-Type"].startswith("text/calendar")
    events = [c for c in Calendar.from_ical(r.content).walk("VEVENT")]
    assert len(events) == 1 and "乡村振兴专题" in str(events[0]["SUMMARY"])
    assert client.get(feed.replace("/feed.ics", "x/feed.ics")).status_code == 404
    assert login(roles.member_a_user).get(reverse("teachers:my-schedule")).status_code == 403


def test_home_panels(roles, login, teacher_user):
    user, teacher = teacher_user
    session = ClassSessionFactory(teacher=teacher, title="待评价的讲座")
    attend(session, roles.member_a)
    html = login(roles.member_a_user).get("/").content.decode()
    assert "待评价的授课" in html and reverse("teachers:evaluate", args=[session.pk]) in html
    html = login(user).get("/").content.decode()
    assert "近期授课" in html and "最新评价反馈" in html
    html = login(roles.department).get("/").content.decode()
    assert "列为调整候选" in html and reverse("teachers:assessment") in html


def test_teacher_list_query_count(roles, login, django_assert_max_num_queries):
    for i in range(30):
        t = TeacherFactory()
        TeacherSpecialty.objects.create(teacher=t, module="general", topic=f"专题{i}")
    client = login(roles.town_a_staff)
    with django_assert_max_num_queries(15):
        r = client.get(reverse("teachers:list"))
    assert r.status_code == 200 and "专题29" in r.content.decode()
