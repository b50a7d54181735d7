"""Issue #12 acceptance for the admin and page doors, as a 房寺镇-like town's staff (`town_staff`
of town A in tests/ops/doors_world.py), plus the one-write-path checks: admin changes to
classes and sessions go through the services, and credited days always equal a recompute."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from wagtail.models import GroupPagePermission

from courses.models import CoursePage
from lms.accounts import policy
from lms.accounts.models import StaffAssignment
from lms.accounts.pages import editors_group
from lms.accounts.services import staff_assign, staff_unassign
from lms.members.models import Member
from lms.training.credit import credited_days_recompute
from lms.training.models import Attendance, ClassSession, CreditedDay, Enrollment, TrainingClass

from .doors_world import build_door_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_door_world()


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_bulk_delete_of_another_towns_class_or_enrolment_is_refused(world):
    fangsi = _client(world.users["town_staff"])
    for model, obj in (("trainingclass", world.b.training_class), ("enrollment", world.b.enrollment)):
        url = f"/admin/bulk/training/{model}/delete/?id={obj.pk}"
        response = fangsi.get(url)
        assert response.status_code in (302, 403, 404)
        assert "b镇" not in response.content.decode()
        fangsi.post(url)
        # also mixed in with one of its own: the whole request is refused
        fangsi.post(f"/admin/bulk/training/{model}/delete/?id={obj.pk}&id={world.a.training_class.pk}")
    assert TrainingClass.objects.filter(pk=world.b.training_class.pk).exists()
    assert Enrollment.objects.filter(pk=world.b.enrollment.pk).exists()
    assert TrainingClass.objects.filter(pk=world.a.training_class.pk).exists()
    # even an administrator's bulk delete of a class is refused: classes are cancelled, not deleted
    root = _client(world.users["superuser"])
    root.post(f"/admin/bulk/training/trainingclass/delete/?id={world.b.training_class.pk}")
    assert TrainingClass.objects.filter(pk=world.b.training_class.pk).exists()


def test_member_chooser_lists_exactly_own_towns_members(world):
    fangsi = _client(world.users["town_staff"])
    body = fangsi.get("/admin/snippets/choose/members/member/results/").content.decode()
    own = Member.objects.filter(branch__town=world.a.school)
    assert own.count() >= 3
    for member in Member.objects.all():
        assert (member.member_no in body) == (member.branch.town_id == world.a.school.pk), member.member_no
    assert fangsi.get(f"/admin/snippets/choose/members/member/chosen/{world.b.members[0].pk}/").status_code == 404
    chosen = fangsi.get(f"/admin/snippets/choose/members/member/chosen-multiple/?id={world.b.members[0].pk}")
    assert world.b.members[0].member_no not in chosen.content.decode()
    # choosers nobody's form needs are not registered at all
    for model in ("training/attendance", "training/enrollment", "training/creditedday", "quotas/warning"):
        assert fangsi.get(f"/admin/snippets/choose/{model}/").status_code == 404
    assert fangsi.get("/admin/snippets/choose/audit/auditentry/results/").status_code == 404


def test_copying_another_towns_class_or_teaching_point_is_404(world):
    from lms.schools.models import TeachingPoint

    fangsi = _client(world.users["town_staff"])
    assert fangsi.get(f"/admin/snippets/training/trainingclass/copy/{world.b.training_class.pk}/").status_code == 404
    theirs = TeachingPoint.objects.filter(school=world.b.school).first()
    mine = TeachingPoint.objects.filter(school=world.a.school).first()
    assert fangsi.get(f"/admin/snippets/schools/teachingpoint/copy/{theirs.pk}/").status_code in (302, 403, 404)
    assert fangsi.get(f"/admin/snippets/schools/teachingpoint/copy/{mine.pk}/").status_code == 200


def test_course_pages_belong_to_their_school(world):
    fangsi = _client(world.users["town_staff"])
    own, theirs, county = world.a.course, world.b.course, world.county_course
    for page in (theirs, world.b.lesson, county, world.county_lesson):
        assert fangsi.get(f"/admin/pages/{page.pk}/edit/").status_code in (302, 403)
        fangsi.post(f"/admin/pages/{page.pk}/edit/", {"title": "改", "slug": page.slug, "action-publish": "1"})
        assert fangsi.get(f"/admin/pages/{page.pk}/copy/").status_code in (302, 403)
        assert fangsi.get(f"/admin/pages/{page.pk}/delete/").status_code in (302, 403)
        assert fangsi.get(f"/admin/pages/{page.pk}/unpublish/").status_code in (302, 403)
        assert fangsi.get(f"/admin/pages/{page.pk}/move/").status_code in (302, 403)
        page.refresh_from_db()
        assert page.title != "改" and page.live
    user = world.users["town_staff"]
    assert policy.may_edit_page(user, own) and policy.may_edit_page(user, world.a.lesson)
    assert own.permissions_for_user(user).can_publish()
    assert not theirs.permissions_for_user(user).can_publish()
    # the city school's staff edit the county's courses and the towns' below them; department staff none
    city = world.users["city_staff"]
    assert county.permissions_for_user(city).can_publish() and theirs.permissions_for_user(city).can_edit()
    assert not county.permissions_for_user(world.users["department"]).can_edit()
    # a town's staff create courses only for their own school
    index = own.get_parent()
    response = fangsi.get(f"/admin/pages/add/courses/coursepage/{index.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert world.b.school.name not in body


def test_new_course_gets_its_schools_editors_and_moves_with_its_school(world):
    from tests.factories.courses import make_course

    index = world.a.course.get_parent()
    course = make_course(index, title="新课", school=world.b.school)
    fangsi, b_staff = world.users["town_staff"], StaffAssignment.objects.get(school=world.b.school).user
    assert course.permissions_for_user(b_staff).can_publish()
    assert not course.permissions_for_user(fangsi).can_edit()
    course.school = world.a.school
    course.save()
    course = CoursePage.objects.get(pk=course.pk)
    # (Wagtail caches a user's page permissions on the user object: load them afresh)
    fangsi, b_staff = (type(u).objects.get(pk=u.pk) for u in (fangsi, b_staff))
    assert course.permissions_for_user(fangsi).can_publish()
    assert not course.permissions_for_user(b_staff).can_edit()


def test_staff_assignment_grants_and_takes_course_rights(world):
    from tests.factories import UserFactory

    user = UserFactory(username="newclerk")
    assignment = staff_assign(user=user, role="school", school=world.b.school)
    assert editors_group(world.b.school) in user.groups.all()
    assert world.b.course.permissions_for_user(user).can_publish()
    staff_unassign(assignment=assignment)
    user = type(user).objects.get(pk=user.pk)
    assert not user.groups.filter(pk=editors_group(world.b.school).pk).exists()
    assert not Group.objects.get(name="党校工作人员").user_set.filter(pk=user.pk).exists()
    assert not world.b.course.permissions_for_user(user).can_edit()
    # the old catalog-wide grants of the role groups are gone
    assert not GroupPagePermission.objects.filter(group__name__in=["党校工作人员", "组织部工作人员"]).exists()


def _credited(training_class):
    return sorted(CreditedDay.objects.filter(training_class=training_class).values_list("member_id", "day", "hours"))


def _recomputed(training_class):
    snapshot = _credited(training_class)
    credited_days_recompute(training_class)
    recomputed = _credited(training_class)
    return snapshot, recomputed


def test_admin_session_changes_go_through_services_and_keep_credited_days_true(world):
    root = _client(world.users["superuser"])
    session, training_class = world.a.session, world.a.training_class
    credited_days_recompute(training_class)
    assert _credited(training_class), "the world's class day should be credited"
    # deleting a session with attendance: refused with the workspace's message
    response = root.post(f"/admin/snippets/training/classsession/delete/{session.pk}/", follow=True)
    assert ClassSession.objects.filter(pk=session.pk).exists()
    assert "该课次已有签到记录，不能删除。" in response.content.decode()
    # moving it: refused (records stay true)
    local = timezone.localtime(session.starts_at)
    data = {
        "training_class": training_class.pk,
        "kind": session.kind,
        "title": session.title,
        "starts_at": (local + dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
        "ends_at": (local + dt.timedelta(hours=3)).strftime("%Y-%m-%d %H:%M"),
        "room": "",
        "teacher": "",
        "teaching_point": "",
    }
    response = root.post(f"/admin/snippets/training/classsession/edit/{session.pk}/", data)
    assert response.status_code == 200 and "不能修改时间" in response.content.decode()
    before, after = _recomputed(training_class)
    assert before == after
    # adding a long afternoon session the same day: the member attended too little of the day now
    afternoon = local.replace(hour=13, minute=0)
    added = {
        **data,
        "title": "下午自选课",
        "starts_at": afternoon.strftime("%Y-%m-%d %H:%M"),
        "ends_at": (afternoon + dt.timedelta(hours=5)).strftime("%Y-%m-%d %H:%M"),
    }
    response = root.post("/admin/snippets/training/classsession/add/", added)
    assert response.status_code == 302, response.content.decode()[:2000]
    new = ClassSession.objects.get(training_class=training_class, title="下午自选课")
    before, after = _recomputed(training_class)
    assert before == after, "admin added a session but credited days were not recomputed"
    # deleting that (attendance-free) session again: credited days follow
    response = root.post(f"/admin/snippets/training/classsession/delete/{new.pk}/")
    assert not ClassSession.objects.filter(pk=new.pk).exists()
    before, after = _recomputed(training_class)
    assert before == after and after, "admin deleted a session but credited days were not recomputed"
    # editing the class through the admin goes through class_update (its rules, its messages)
    response = root.post(
        f"/admin/snippets/training/trainingclass/edit/{training_class.pk}/",
        {
            "title": "新名称",
            "school": training_class.school_id,
            "module": training_class.module,
            "start_date": training_class.start_date.isoformat(),
            "end_date": (training_class.start_date - dt.timedelta(days=1)).isoformat(),
            "capacity": 10,
            "place": "",
            "planned_class": "",
        },
    )
    assert "结束日期不能早于开始日期" in response.content.decode()
    training_class.refresh_from_db()
    assert training_class.title != "新名称"
    assert Attendance.objects.filter(session=session).exists()


def test_staff_admin_shell(world):
    fangsi = _client(world.users["town_staff"])
    body = fangsi.get("/admin/").content.decode()
    assert "党校在线管理后台" in body and "localhost" not in body
    assert world.users["town_staff"].display_name in body
    assert "/training/" in body  # the workspace, not a second raw UI for classes
    assert fangsi.get("/admin/snippets/training/trainingclass/").status_code in (302, 403)
    assert fangsi.get("/admin/snippets/training/attendance/").status_code in (302, 403)


def test_snippet_overview_counts_only_what_the_user_sees(world):
    """Wagtail's /admin/snippets/ overview counts the default manager; ours counts the scope."""
    from django.test import RequestFactory
    from django.urls import resolve

    from lms.accounts.wagtail_hooks import ScopedModelIndexView

    assert resolve("/admin/snippets/").func.view_class is ScopedModelIndexView
    request = RequestFactory().get("/admin/snippets/")
    request.user = world.users["town_staff"]
    view = ScopedModelIndexView()
    view.request = request
    from unittest import mock

    with mock.patch("wagtail.snippets.views.snippets.get_snippet_models_for_index_view", return_value=[Member]):
        types = view._get_snippet_types()
    assert [t["count"] for t in types] == [Member.objects.filter(branch__town=world.a.school).count()]
    assert types[0]["count"] < Member.objects.count()
