"""Anonymity holds whatever staff change afterwards (issue #13 item 2): the ≥3 threshold counts
exactly the evaluations whose scores are shown, and a session's teacher cannot be swapped once
members have evaluated it."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lms.training.models import ClassSession
from lms.training.services.sessions import session_save
from teachers.models import Evaluation
from teachers.selectors import teacher_feedback
from teachers.services import evaluation_submit
from tests.factories import MemberFactory
from tests.factories.teachers import attend
from tests.factories.training import ClassFactory, roster_teacher

pytestmark = pytest.mark.django_db

ALL_FOURS = {"political": 4, "content": 4, "practice": 4, "method": 4, "overall": 4}


@pytest.fixture
def lecture(roles):
    """A lecture that ended yesterday, taught by 原讲师 (a leading cadre on the roster)."""
    # 10:00 local yesterday: the hour stays inside the one-day class whatever the time now.
    day = timezone.localdate() - dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    c = ClassFactory(school=roles.tree.town_a, start_date=day, end_date=day, status="published")
    first = roster_teacher(day.year, name="原讲师")
    second = roster_teacher(day.year, name="替换讲师")
    s = ClassSession.objects.create(
        training_class=c, kind="leader_lecture", starts_at=start, ends_at=start + dt.timedelta(hours=1), teacher=first
    )
    members = [roles.member_a] + [MemberFactory(branch=roles.tree.branch_a) for _ in range(2)]
    attend(s, *members)
    return s, first, second, members


def test_teacher_cannot_be_swapped_once_evaluated(roles, lecture):
    s, first, second, members = lecture
    evaluation_submit(member=members[0], session=s, scores=ALL_FOURS, comment="只有我一个人评价")
    s.teacher = second
    with pytest.raises(ValidationError) as exc:
        session_save(user=roles.town_a_staff, session=s)
    assert "已有学员评价，不能更换讲师" in exc.value.message_dict["teacher"][0]
    assert ClassSession.objects.get(pk=s.pk).teacher_id == first.pk


def test_api_refuses_the_swap_too(roles, lecture, login):
    s, first, second, members = lecture
    evaluation_submit(member=members[0], session=s, scores=ALL_FOURS)
    r = login(roles.town_a_staff).patch(
        f"/api/v1/training/sessions/{s.pk}/", {"teacher": second.pk}, content_type="application/json"
    )
    assert r.status_code == 400 and "不能更换讲师" in r.content.decode()
    assert ClassSession.objects.get(pk=s.pk).teacher_id == first.pk


def test_before_any_evaluation_the_teacher_can_still_change(roles, lecture):
    s, first, second, _ = lecture
    s.teacher = second
    session_save(user=roles.town_a_staff, session=s)
    assert ClassSession.objects.get(pk=s.pk).teacher_id == second.pk


def test_swap_sequence_shows_nothing_below_the_threshold(roles, lecture):
    """The attack from the issue, replayed on rows written before the lock existed: one member
    rates 原讲师, the session is switched to 替换讲师, two others rate it, it is switched back.
    原讲师 must not see one member's scores as a "3 responses" aggregate."""
    s, first, second, members = lecture
    evaluation_submit(member=members[0], session=s, scores=ALL_FOURS, comment="只有我一个人评价")
    ClassSession.objects.filter(pk=s.pk).update(teacher=second)  # a swap as old code allowed it
    s.refresh_from_db()
    for m in members[1:]:
        evaluation_submit(member=m, session=s, scores={**ALL_FOURS, "overall": 1}, comment="另一位讲师")
    ClassSession.objects.filter(pk=s.pk).update(teacher=first)  # and back

    mine = [f for f in teacher_feedback(first) if f.session.pk == s.pk]
    assert len(mine) == 1
    assert (mine[0].responses, mine[0].shown, mine[0].comments, mine[0].overall) == (1, False, [], None)
    theirs = [f for f in teacher_feedback(second) if f.session.pk == s.pk]
    assert theirs and (theirs[0].responses, theirs[0].shown) == (2, False)

    # Editing an evaluation later keeps it bound to the teacher it was given to.
    evaluation_submit(member=members[1], session=s, scores=ALL_FOURS, comment="改一下")
    assert Evaluation.objects.get(member=members[1], session=s).teacher_id == second.pk
    assert [f.responses for f in teacher_feedback(first) if f.session.pk == s.pk] == [1]


def test_threshold_counts_what_is_shown(roles, lecture, login):
    s, first, second, members = lecture
    for m in members:
        evaluation_submit(member=m, session=s, scores=ALL_FOURS, comment=f"{m.name}的意见")
    (fb,) = [f for f in teacher_feedback(first) if f.session.pk == s.pk]
    assert (fb.responses, fb.shown, str(fb.overall), len(fb.comments)) == (3, True, "4.00", 3)
