"""Reads for 学习档案 and 结业证书.

The archive is built only from facts other apps own — credited days (lms.training), study
days and progress (courses), the quota evaluation (lms.quotas.rules: `member_actuals` and
`evaluate_member`, the same functions "my progress" and the dashboards use, so an archive's
figures for a year are the quota figures for that year), quiz passes (lms.quizzes), points
(lms.points) and the certificates of this app. Nothing here is a second ledger.

Who may read whose archive: a member their own; staff the members in their scope
(lms.accounts.scope); a branch secretary (a member flagged 支部书记) the members of their own
branch, the branch they answer for in the quota rules.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, Min, QuerySet, Sum
from django.utils import timezone
from wagtail.models import Page

from courses.credit import seconds_to_study_hours
from courses.models import CoursePage, StudyDay, StudyProgress
from lms.accounts import policy
from lms.accounts.scope import scoped
from lms.members.models import Member
from lms.organizations.models import PartyOrganization
from lms.points.selectors import member_points_total
from lms.quizzes.selectors import member_passes
from lms.quotas.models import RuleKind
from lms.quotas.rules import RuleResult, evaluate_member, member_actuals, year_rules
from lms.training.models import ClassSession, CreditedDay, TrainingClass

from .models import ArchiveJob, Certificate

FIRST_YEAR = 2000

# --- who may read what --------------------------------------------------------------------------


def secretary_branch_id(user) -> int | None:
    """The branch whose secretary `user` is (their own member record flagged 支部书记), if any."""
    member = policy.member_for(user)
    if member is None or not member.is_active or not member.is_branch_secretary:
        return None
    return member.branch_id


def archive_members_for(user) -> QuerySet[Member]:
    """Members whose 学习档案 `user` may read: staff their scope, a branch secretary their
    branch, a member themself (all of these through the members' declared scope paths)."""
    if not getattr(user, "is_authenticated", False):
        return Member.objects.none()
    visible = scoped(Member.objects.all(), user)
    branch_id = secretary_branch_id(user)
    if branch_id is not None:
        visible = visible | Member.objects.filter(branch_id=branch_id)
    return visible.select_related("branch", "branch__town")


def archive_branches_for(user) -> QuerySet[PartyOrganization]:
    """Branches whose archives `user` may print as a whole: staff their scope, a secretary theirs."""
    branches = PartyOrganization.objects.filter(kind=PartyOrganization.Kind.BRANCH)
    if not getattr(user, "is_authenticated", False):
        return branches.none()
    visible = scoped(branches, user) if policy.is_staff(user) else branches.none()
    branch_id = secretary_branch_id(user)
    if branch_id is not None:
        visible = visible | branches.filter(pk=branch_id)
    return visible.select_related("town")


def may_print_archives(user) -> bool:
    """Staff, and branch secretaries, print archives of others; members print their own."""
    return policy.is_staff(user) or secretary_branch_id(user) is not None


def archive_jobs_visible_to(user) -> QuerySet[ArchiveJob]:
    """A print job is read by the one who asked for it (its file holds personal data)."""
    if not getattr(user, "is_authenticated", False):
        return ArchiveJob.objects.none()
    return ArchiveJob.objects.filter(created_by=user).select_related("branch", "member")


def certificates_visible_to(user) -> QuerySet[Certificate]:
    """Certificates `user` may read: a member their own; staff the members in their scope and
    the certificates their schools issued; a branch secretary their branch's."""
    if not getattr(user, "is_authenticated", False):
        return Certificate.objects.none()
    visible = scoped(Certificate.objects.all(), user)
    branch_id = secretary_branch_id(user)
    if branch_id is not None:
        visible = visible | Certificate.objects.filter(member__branch_id=branch_id)
    return visible.select_related("member", "training_class", "course", "school")


def issuing_school(certificate: Certificate):
    """The school that answers for a certificate (the class's, or the course's offering school)."""
    return certificate.school


def may_revoke(user, certificate: Certificate) -> bool:
    """Staff who run the issuing school, or the department over the member (both scoped)."""
    if not policy.is_staff(user):
        return False
    if not certificates_visible_to(user).filter(pk=certificate.pk).exists():
        return False
    if certificate.school_id and policy.may_manage_school(user, certificate.school_id):
        return True
    return policy.may_manage_pool(user) or policy.is_admin(user)


def may_issue_for_class(user, training_class: TrainingClass) -> bool:
    return policy.may_manage_school(user, training_class.school_id)


def certificate_by_code(code: str) -> Certificate | None:
    code = (code or "").strip().upper()
    if not code or len(code) > 24:
        return None
    return Certificate.objects.filter(code=code).select_related("school").first()


def mask_name(name: str) -> str:
    """张三明 → 张*明, 张三 → 张*, 欧阳小明 → 欧**明: enough to recognise, not to identify."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# --- class certificates -------------------------------------------------------------------------


def class_required_sessions(training_class: TrainingClass) -> QuerySet[ClassSession]:
    """The sessions a trainee must attend for a certificate: every item of the 5+1 template
    (the mandatory items and the teaching-point visit); 自选动作 are optional, unless the class
    consists of optional items only, in which case all of them are required."""
    sessions = ClassSession.objects.filter(training_class=training_class)
    required = sessions.exclude(kind=ClassSession.Kind.OPTIONAL)
    return required if required.exists() else sessions


def class_closed_at(training_class: TrainingClass) -> dt.datetime | None:
    """When the class closed: the end of its last session (None if it has no sessions)."""
    return ClassSession.objects.filter(training_class=training_class).aggregate(end=Max("ends_at"))["end"]


def class_is_closed(training_class: TrainingClass, now: dt.datetime | None = None) -> bool:
    """A class closes (结业) when it is published and its last session has ended."""
    if training_class.status != TrainingClass.Status.PUBLISHED:
        return False
    end = class_closed_at(training_class)
    return end is not None and end <= (now or timezone.now())


def class_qualified_member_ids(training_class: TrainingClass) -> list[int]:
    """Members present at every required session of the class (one GROUP BY)."""
    from lms.training.models import Attendance

    required = list(class_required_sessions(training_class).values_list("pk", flat=True))
    if not required:
        return []
    rows = (
        Attendance.objects.filter(session_id__in=required, present=True)
        .values("member_id")
        .annotate(n=Count("session_id", distinct=True))
        .filter(n=len(required))
        .order_by("member_id")
    )
    return [r["member_id"] for r in rows]


def classes_closed_between(start: dt.datetime, end: dt.datetime) -> QuerySet[TrainingClass]:
    """Published classes whose last session ended in [start, end) (the nightly issuing sweep)."""
    return (
        TrainingClass.objects.filter(status=TrainingClass.Status.PUBLISHED)
        .annotate(last_end=Max("sessions__ends_at"))
        .filter(last_end__gte=start, last_end__lt=end)
        .order_by("pk")
    )


# --- the archive ------------------------------------------------------------------------------


@dataclass
class ArchiveYear:
    year: int
    results: list[RuleResult]
    all_met: bool
    days: int  # credited days at a town school or higher (the quota's days_this_year)
    rotation_classes: int
    window_days: int  # credited days in the five-year window ending this year
    window_start: int
    last_trained_on: dt.date | None
    inperson_hours: Decimal
    online_hours: Decimal
    total_hours: Decimal
    classes: list[dict] = field(default_factory=list)
    courses: list[dict] = field(default_factory=list)
    quiz_passes: list = field(default_factory=list)
    certificates: list = field(default_factory=list)
    points: int | None = None

    @property
    def five_year(self) -> RuleResult | None:
        return next((r for r in self.results if r.kind == RuleKind.FIVE_YEAR_ROTATION), None)


@dataclass
class Archive:
    member: Member
    generated_at: dt.datetime
    years: list[ArchiveYear]
    certificates: list[Certificate]
    points_available: bool = True

    @property
    def total_days(self) -> int:
        return sum(y.days for y in self.years)

    @property
    def total_hours(self) -> Decimal:
        return sum((y.total_hours for y in self.years), Decimal("0.00"))


def archive_years(member: Member, today: dt.date) -> list[int]:
    """Every year the member has been on the platform: from the earliest of their record's
    creation, credited day, study day and certificate, to this year."""
    firsts = [member.created_at.year if member.created_at else today.year]
    first_day = CreditedDay.objects.filter(member=member).aggregate(d=Min("day"))["d"]
    first_study = StudyDay.objects.filter(member=member).aggregate(d=Min("day"))["d"]
    first_cert = Certificate.objects.filter(member=member).aggregate(d=Min("issued_on"))["d"]
    firsts += [d.year for d in (first_day, first_study, first_cert) if d]
    start = max(FIRST_YEAR, min(firsts))
    return list(range(start, today.year + 1))


def _classes(member: Member, start: dt.date, end: dt.date) -> list[dict]:
    return list(
        CreditedDay.objects.filter(member=member, day__gte=start, day__lte=end)
        .values(
            "training_class_id", "training_class__title", "training_class__school__name", "is_rotation", "school_tier"
        )
        .annotate(days=Count("day", distinct=True), hours=Sum("hours"), first=Min("day"), last=Max("day"))
        .order_by("first", "training_class_id")
    )


def _courses(member: Member, start: dt.date, end: dt.date) -> list[dict]:
    """Online study of the year by course: seconds and 学时 per course, lessons studied and
    completed. (Each course's 学时 is its own seconds converted; the year's total is the
    quota's conversion of the year's seconds, which can be a hundredth higher.)"""
    lessons = list(
        StudyDay.objects.filter(member=member, day__gte=start, day__lte=end)
        .values("lesson_id", "lesson__path")
        .annotate(seconds=Sum("credited_seconds"))
        .order_by()
    )
    if not lessons:
        return []
    steplen = Page.steplen
    parent_of = {row["lesson_id"]: row["lesson__path"][:-steplen] for row in lessons}
    courses = {
        c["path"]: c for c in CoursePage.objects.filter(path__in=set(parent_of.values())).values("pk", "path", "title")
    }
    completed = set(
        StudyProgress.objects.filter(
            member=member, lesson_id__in=list(parent_of), completed_at__date__gte=start, completed_at__date__lte=end
        ).values_list("lesson_id", flat=True)
    )
    by_course: dict[str, dict] = {}
    for row in lessons:
        path = parent_of[row["lesson_id"]]
        course = courses.get(path, {"pk": None, "title": "（已删除的课程）"})
        entry = by_course.setdefault(
            path, {"course_id": course["pk"], "title": course["title"], "seconds": 0.0, "lessons": 0, "completed": 0}
        )
        entry["seconds"] += float(row["seconds"] or 0)
        entry["lessons"] += 1
        entry["completed"] += row["lesson_id"] in completed
    rows = sorted(by_course.values(), key=lambda e: (-e["seconds"], e["title"]))
    for entry in rows:
        entry["hours"] = seconds_to_study_hours(entry["seconds"])
        entry["minutes"] = int(entry["seconds"] // 60)
    return rows


def _points(member: Member, year: int) -> int | None:
    return member_points_total(member, year)


def member_archive_year(member: Member, year: int, today: dt.date) -> ArchiveYear:
    """One year of the archive. The figures come from the quota functions themselves."""
    yr = year_rules(year)
    row = member_actuals(member, year, today, yr)
    results = evaluate_member(member, year, today)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    inperson = Decimal(row["inperson_hours"] or 0).quantize(Decimal("0.01"))
    online = seconds_to_study_hours(row["study_seconds"])
    five = next((r for r in yr.rules if r.kind == RuleKind.FIVE_YEAR_ROTATION), None)
    window_years = five.window_years if five else 5
    return ArchiveYear(
        year=year,
        results=results,
        all_met=all(r.status == "met" for r in results),
        days=int(row["days_this_year"]),
        rotation_classes=int(row["rotation_classes_this_year"]),
        window_days=int(row["window_days_5y"]),
        window_start=year - window_years + 1,
        last_trained_on=row["last_trained_on"],
        inperson_hours=inperson,
        online_hours=online,
        total_hours=inperson + online,
        classes=_classes(member, start, end),
        courses=_courses(member, start, end),
        points=_points(member, year),
    )


def member_archive(member: Member, *, today: dt.date | None = None, years: list[int] | None = None) -> Archive:
    """The member's 学习档案: every year on the platform (newest first), each with classes,
    online study by course, quota status per rule, the five-year rotation, certificates,
    quiz passes and points."""
    today = today or timezone.localdate()
    wanted = years or archive_years(member, today)
    certificates = list(
        Certificate.objects.filter(member=member).select_related("training_class", "course").order_by("issued_on")
    )
    passes = list(member_passes(member))
    by_year_certs: dict[int, list] = defaultdict(list)
    for c in certificates:
        by_year_certs[c.issued_on.year].append(c)
    by_year_passes: dict[int, list] = defaultdict(list)
    for p in passes:
        by_year_passes[p.year].append(p)
    out = []
    for year in sorted(wanted, reverse=True):
        entry = member_archive_year(member, year, today)
        entry.certificates = by_year_certs.get(year, [])
        entry.quiz_passes = by_year_passes.get(year, [])
        out.append(entry)
    return Archive(member=member, generated_at=timezone.now(), years=out, certificates=certificates)


def member_certificates(member: Member) -> QuerySet[Certificate]:
    return Certificate.objects.filter(member=member).select_related("training_class", "course").order_by("-issued_on")


def class_certificates(training_class: TrainingClass) -> QuerySet[Certificate]:
    return (
        Certificate.objects.filter(training_class=training_class)
        .select_related("member", "member__branch")
        .order_by("member__member_no")
    )


def branch_members(branch: PartyOrganization) -> QuerySet[Member]:
    return Member.objects.filter(branch=branch, is_active=True).order_by("member_no")
