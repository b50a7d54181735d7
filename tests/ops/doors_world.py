"""A small world for the door tests: two towns (甲镇, 乙镇) under one city school, with one row
of every admin-registered kind in each town, course pages of each town and of the county, and
one user per role. Built from factories in a second or two (the demo seed takes minutes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.documents import get_document_model

from courses.models import LessonDocument, StudyDay, StudyProgress
from lms.accounts.models import StaffAssignment
from lms.audit.models import AuditEntry
from lms.quotas.models import QuotaRule, QuotaYear, Warning
from lms.quotas.services import quota_year_open
from lms.roster.models import ImportJob
from lms.schools.models import Room
from lms.training.models import CreditedDay, Enrollment
from teachers.models import AssessmentPolicy, EvaluationDimension, RosterEntry, RosterYear
from tests.factories import MemberFactory, OrganizationTree, StaffUserFactory, UserFactory
from tests.factories.courses import make_course, make_index, make_lesson, ready_video
from tests.factories.foundation import TeachingPointFactory
from tests.factories.training import AnnualPlanFactory, ClassFactory, PlannedClassFactory, SessionFactory, mark
from tests.lms.points.door_rows import points_rows, reflection_rows
from tests.lms.quizzes.door_rows import quiz_rows

PASSWORD = "Test@12345"


@dataclass
class Town:
    school: object
    branch: object
    members: list
    training_class: object
    session: object
    enrollment: object
    course: object
    lesson: object
    document: object
    markers: list[str] = field(default_factory=list)  # strings only this town's rows carry


@dataclass
class DoorWorld:
    tree: OrganizationTree
    a: Town  # the scoped roles' own town
    b: Town  # another town: everything of it is out of scope for town-A roles
    county_course: object
    county_lesson: object
    users: dict
    scoped_roles: tuple = ("town_staff", "department_town")  # confined to town A
    outsider_roles: tuple = ("anonymous", "nobody", "member")  # no admin at all


def _town(tree, school, branch, letter: str, index, teacher_year: int) -> Town:
    members = [
        MemberFactory(branch=branch, name=f"{letter}镇党员{i}", member_no=f"{letter.upper()}X{i:05d}{letter}")
        for i in range(3)
    ]
    point = TeachingPointFactory(school=school, name=f"{letter}镇教学点")
    Room.objects.create(school=school, name=f"{letter}镇报告厅")
    plan = AnnualPlanFactory(school=school, year=teacher_year, title=f"{letter}镇年度计划")
    PlannedClassFactory(plan=plan, title=f"{letter}镇计划班次")
    day = timezone.localdate() - dt.timedelta(days=3)
    start = dt.datetime.combine(day, dt.time(9), tzinfo=timezone.get_current_timezone())
    training_class = ClassFactory(school=school, title=f"{letter}镇培训班", start_date=day, end_date=day)
    session = SessionFactory(
        training_class=training_class, title=f"{letter}镇自选课", starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )
    session.teaching_point = point
    enrollment = Enrollment.objects.create(training_class=training_class, member=members[0])
    mark(session, members[0])
    CreditedDay.objects.create(
        member=members[0],
        day=day,
        training_class=training_class,
        school_tier=school.tier,
        is_rotation=False,
        hours="2",
    )
    Warning.objects.create(
        kind=Warning.Kind.choices[0][0],
        year=teacher_year,
        key=f"door-{letter}",
        title=f"{letter}镇预警",
        member=members[0],
        branch=branch,
        town=school,
    )
    course = make_course(index, title=f"{letter}镇课程", school=school)
    lesson = make_lesson(course, title=f"{letter}镇第一讲")
    document = get_document_model()(title=f"{letter}镇课件")
    document.file.save(f"courseware-{letter}.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    document.save()
    LessonDocument.objects.create(lesson=lesson, document=document)
    StudyProgress.objects.create(member=members[0], lesson=lesson, watched_seconds=10)
    StudyDay.objects.create(member=members[0], lesson=lesson, day=day, credited_seconds=10)
    AuditEntry.objects.create(
        action="edit", object_type="training.trainingclass", object_id="1", summary=f"{letter}镇审计", town=school
    )
    clerk = StaffUserFactory(username=f"door_{letter}_extra", assignment__role="school", assignment__school=school)
    ImportJob.objects.create(
        kind=ImportJob.Kind.MEMBERS, original_name=f"{letter}镇花名册.xlsx", town=school, created_by=clerk
    )
    markers = [m.member_no for m in members] + [branch.name, f"{letter}镇培训班", f"{letter}镇预警", f"{letter}镇审计"]
    return Town(school, branch, members, training_class, session, enrollment, course, lesson, document, markers)


def _live_rows(town: Town, letter: str) -> None:
    from django.apps import apps

    ViewingSite = apps.get_model("live", "ViewingSite")
    LiveBroadcast = apps.get_model("live", "LiveBroadcast")
    ViewingSite.objects.create(name=f"{letter}镇分课堂", kind="town_school", school=town.school)
    LiveBroadcast.objects.create(
        session=town.session,
        stream_name=f"door-{letter}",
        stream_key=f"door-key-{letter}",
        publish_opens_at=town.session.starts_at,
        publish_closes_at=town.session.ends_at,
    )


# Rows of apps that register admin viewsets over their own models: one per town, so every
# scoped viewset has another town's row to be refused. A new app adds its builder here.
EXTRA_ROWS = {"live": _live_rows, "quizzes": quiz_rows, "points": points_rows, "reflections": reflection_rows}


def build_door_world() -> DoorWorld:
    from tests.factories.foundation import migration_rows_ensure

    migration_rows_ensure()
    tree = OrganizationTree.create()
    year = timezone.localdate().year
    if not QuotaYear.objects.filter(year=year).exists():
        quota_year_open(year=year)
    assert QuotaRule.objects.filter(year=year).exists()
    roster, _ = RosterYear.objects.get_or_create(year=year)
    from tests.factories.teachers import TeacherFactory

    RosterEntry.objects.create(roster=roster, teacher=TeacherFactory(), reason="测试入库")
    AssessmentPolicy.objects.get_or_create(year=year, defaults={"score_threshold": "3.5", "min_sessions": 1})
    assert EvaluationDimension.objects.exists()
    index = make_index()
    ready_video(title="共享视频")
    a = _town(tree, tree.town_a, tree.branch_a, "a", index, year)
    b = _town(tree, tree.town_b, tree.branch_b, "b", index, year)
    from django.apps import apps

    for app_label, builder in EXTRA_ROWS.items():
        if apps.is_installed(f"lms.{app_label}") or apps.is_installed(app_label):
            builder(a, "a")
            builder(b, "b")
    county_course = make_course(index, title="县级课程", school=None)
    county_lesson = make_lesson(county_course, title="县级第一讲")

    users = {}
    users["member"] = UserFactory(username="door_member")
    member = a.members[1]
    member.user = users["member"]
    member.save(update_fields=["user"])
    users["town_staff"] = StaffUserFactory(
        username="door_fangsi", assignment__role="school", assignment__school=tree.town_a
    )
    users["department_town"] = StaffUserFactory(
        username="door_dept_a", assignment__role="department", assignment__organization=tree.committee_a
    )
    users["city_staff"] = StaffUserFactory(
        username="door_city", assignment__role="school", assignment__school=tree.city
    )
    users["department"] = StaffUserFactory(
        username="door_dept", assignment__role="department", assignment__organization=tree.county
    )
    users["superuser"] = UserFactory(username="door_root", is_superuser=True, is_staff=True)
    users["nobody"] = UserFactory(username="door_nobody")
    assert StaffAssignment.objects.filter(school=tree.town_b).exists()
    return DoorWorld(tree, a, b, county_course, county_lesson, users)
