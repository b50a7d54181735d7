"""Demo plans, classes, sessions, enrolment, attendance and credited days for `seed_demo`.

For each of the last ``ctx.years`` years (ending this year): an approved annual plan per
school; 129 classes county-wide (19 at the city school, 10 per town school) on working days,
each linked to a planned class; about 7 % of them break the 5+1+N template and stay drafts;
the rest are published with sessions at teaching points and leader lectures by roster
teachers (no teacher or teaching point is double-booked on a day). All three kinds of
teacher teach: 领导干部 the leader lecture, 身边榜样 the teaching-point visit (a model
villager or role model shows the site), 专家教授 the optional items and the rotation class's
专题辅导 — so the evaluations and the annual assessment cover the whole pool.

Enrolment: about 3 trainings per member and year (the district in the sources: 230,000 at
101,599 members, besides the winter/spring classes for every member); 7 % of members are
never trained. Attendance rows are written for every session a trainee sat through, so a
credited day carries the hours really scheduled (about 6 h); the credited-day rule
(lms.training.credit, applied here to the same in-memory data) decides the days and hours.
Most trainees attend; a few attend only the lecture (their day is not credited); a few are absent.
Classes after today have enrolments but no attendance. The member ``dangyuan`` is enrolled in
today's demo classes (lms.training.demo_today). Next year's plans of 伦镇 and 房寺镇 await approval.

Rows are written with COPY on PostgreSQL (executemany elsewhere).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from lms.accounts.models import User
from lms.demo_bulk import bulk_load, rows_copy
from lms.members.models import Member
from lms.schools.models import PartySchool, TeachingPoint
from teachers.models import Teacher
from teachers.selectors import roster_teachers

from .credit import credited_days_for, seconds_to_hours
from .models import AnnualPlan, Attendance, ClassSession, CreditedDay, Enrollment, PlannedClass, TrainingClass
from .template import MANDATORY_KINDS, check_template

Kind = ClassSession.Kind
CITY_CLASSES = 19
TOWN_CLASSES = 10
TRAININGS_PER_MEMBER = 3.0
NEVER_TRAINED = 0.07
NONCOMPLIANT = 0.07
CITY_TOPICS = [
    ("学习贯彻党的二十届四中全会精神专题班", "thematic"),
    ("党章党规党纪专题培训班", "general"),
    ("乡村振兴专题示范班", "thematic"),
    ("基层党组织书记履职能力提升班", "professional"),
    ("村“两委”成员能力提升班", "professional"),
    ("警示教育专题班", "thematic"),
    ("党史学习教育专题班", "general"),
    ("非公企业党建工作培训班", "professional"),
]
TOWN_TOPICS = [
    ("党员冬春训班", "general"),
    ("党章学习班", "general"),
    ("乡村振兴实用技术班", "thematic"),
    ("流动党员集中学习班", "general"),
    ("农村党员致富带头人培训班", "professional"),
    ("廉洁文化教育班", "thematic"),
]
OPTIONAL_TITLES = ["观看警示教育片", "红色歌曲合唱", "重温党史故事", "党员志愿服务实践", "交流研讨"]
LECTURES = ["新时代党的建设总要求", "深入学习贯彻党的创新理论", "基层治理能力现代化", "全面推进乡村振兴"]


def _working_days(year: int) -> list[dt.date]:
    day, out = dt.date(year, 1, 6), []
    while day <= dt.date(year, 12, 20):
        if day.weekday() < 5 and not (dt.date(year, 1, 25) <= day <= dt.date(year, 2, 15)):
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def _at(day: dt.date, h: int, m: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(h, m), tzinfo=timezone.get_current_timezone())


def _roster_teachers(year: int) -> dict[str, list[int]]:
    """The year's roster by kind; a kind with nobody on the roster borrows the whole roster."""
    qs = roster_teachers(year)
    everyone = list(qs.values_list("id", flat=True))
    by_kind = {k: list(qs.filter(kind=k).values_list("id", flat=True)) for k in Teacher.Kind.values}
    return {k: ids or everyone for k, ids in by_kind.items()}


def _roster_teacher_ids(year: int) -> list[int]:
    """Leading cadres on the year's roster (they give the 领导讲课)."""
    return _roster_teachers(year)["leader"]


class _Bookings:
    """Per-day sets of booked teachers and teaching points, so demo data never double-books."""

    def __init__(self):
        self.teachers: dict[dt.date, set[int]] = defaultdict(set)
        self.points: dict[dt.date, set[int]] = defaultdict(set)

    def teacher(self, rng, day, candidates):
        free = [t for t in candidates if t not in self.teachers[day]]
        if not free:
            return None
        t = rng.choice(free)
        self.teachers[day].add(t)
        return t

    def point(self, rng, day, candidates):
        free = [p for p in candidates if p not in self.points[day]]
        if not free:
            return None
        p = rng.choice(free)
        self.points[day].add(p)
        return p


def _sessions_for(rng, c: TrainingClass, bookings: _Bookings, points: list[int], teachers: dict[str, list[int]]):
    """Sessions of one class (unsaved) and the indexes of those a trainee who attends sits
    through (all of them); the leader lecture comes first in that list."""
    d1 = c.start_date
    s = []

    def add(kind, start, end, **kw):
        s.append(ClassSession(training_class=c, kind=kind, starts_at=start, ends_at=end, **kw))
        return len(s) - 1

    add(Kind.SIGN_IN, _at(d1, 8, 30), _at(d1, 9), room=c.place)
    add(Kind.ANTHEM, _at(d1, 9), _at(d1, 9, 10), room=c.place)
    add(Kind.OATH, _at(d1, 9, 10), _at(d1, 9, 30), room=c.place)
    add(Kind.CONSTITUTION, _at(d1, 9, 30), _at(d1, 10, 30), room=c.place)
    lecture = add(
        Kind.LEADER_LECTURE,
        _at(d1, 10, 40),
        _at(d1, 12),
        title=rng.choice(LECTURES),
        room=c.place,
        teacher_id=bookings.teacher(rng, d1, teachers["leader"]),
    )
    if c.is_rotation:
        d2 = c.end_date
        add(
            Kind.OPTIONAL,
            _at(d1, 14),
            _at(d1, 16, 30),
            title="支部书记履职能力专题辅导",
            room=c.place,
            teacher_id=bookings.teacher(rng, d1, teachers["expert"]),
        )
        point = bookings.point(rng, d2, points)
        add(
            Kind.TEACHING_POINT,
            _at(d2, 9),
            _at(d2, 11, 30),
            teaching_point_id=point,
            teacher_id=bookings.teacher(rng, d2, teachers["role_model"]),
        )
        add(Kind.OPTIONAL, _at(d2, 14), _at(d2, 16), title="交流研讨", room=c.place)
    else:
        point = bookings.point(rng, d1, points)
        add(
            Kind.TEACHING_POINT,
            _at(d1, 14),
            _at(d1, 16, 30),
            teaching_point_id=point,
            teacher_id=bookings.teacher(rng, d1, teachers["role_model"]),
        )
        if rng.random() < 0.3:
            add(
                Kind.OPTIONAL,
                _at(d1, 16, 40),
                _at(d1, 17, 30),
                title=rng.choice(OPTIONAL_TITLES),
                room=c.place,
                teacher_id=bookings.teacher(rng, d1, teachers["expert"]),
            )
    return s, [lecture] + [i for i in range(len(s)) if i != lecture]


def _choose_trainees(rng, pool: list[int], size: int, trainings: dict[int, int]) -> list[int]:
    """Schools enrol those behind first: two thirds of the seats go to the members with the
    fewest trainings so far this year (ties at random), the rest to anyone in the pool."""
    behind = int(size * 2 / 3)
    order = sorted(pool, key=lambda m: (trainings[m], rng.random()))
    chosen = order[:behind]
    rest = order[behind:]
    return chosen + rng.sample(rest, min(len(rest), size - behind))


def _break_template(rng, sessions: list[ClassSession]) -> list[ClassSession]:
    """Drop one mandatory item or the teaching-point visit (the classes that stay drafts)."""
    if rng.random() < 0.5:
        return [x for x in sessions if x.kind != Kind.TEACHING_POINT]
    drop = rng.choice([k for k in MANDATORY_KINDS if k != Kind.LEADER_LECTURE])
    return [x for x in sessions if x.kind != drop]


@transaction.atomic
def seed(ctx) -> None:
    rng = ctx.rng
    city: PartySchool = ctx.city_school or PartySchool.objects.get(tier=PartySchool.Tier.CITY)
    towns = ctx.towns or list(PartySchool.objects.filter(tier=PartySchool.Tier.TOWN).order_by("id"))
    schools = [city, *towns]
    points_by_town: dict[int, list[int]] = defaultdict(list)
    for pid, school_id in TeachingPoint.objects.filter(is_active=True).values_list("id", "school_id"):
        points_by_town[school_id].append(pid)
    all_points = [p for ps in points_by_town.values() for p in ps]
    reviewer = User.objects.filter(username="zuzhibu").first()

    rows = list(Member.objects.filter(is_active=True).values_list("id", "branch__town_id", "is_branch_secretary"))
    rng.shuffle(rows)
    cut = int(len(rows) * NEVER_TRAINED)
    demo_ids = set(Member.objects.filter(user__username__in=["dangyuan", "shuji"]).values_list("id", flat=True))
    trained = [r for r in rows[cut:]] + [r for r in rows[:cut] if r[0] in demo_ids]
    pool_all = [r[0] for r in trained]
    pool_town: dict[int, list[int]] = defaultdict(list)
    for mid, town_id, _ in trained:
        pool_town[town_id].append(mid)
    secretaries = [r[0] for r in trained if r[2]]
    pools = (pool_all, pool_town, secretaries)

    n_classes = CITY_CLASSES + TOWN_CLASSES * len(towns)
    per_class = max(10, round(TRAININGS_PER_MEMBER * len(rows) / (n_classes * (1 - NONCOMPLIANT))))
    first_year = ctx.year - ctx.years + 1
    totals = defaultdict(int)
    with bulk_load(Enrollment, Attendance, CreditedDay):
        for year in range(first_year, ctx.year + 1):
            _seed_year(
                ctx, rng, year, city, towns, schools, points_by_town, all_points, reviewer, pools, per_class, totals
            )
    _next_year_plans(ctx, rng, towns, per_class)
    ctx.log(
        f"  班次 {totals['classes']}（不符合5+1+N {totals['noncompliant']}），报名 {totals['enrollments']}，"
        f"出勤记录 {totals['attendance']}，认定培训日 {totals['credited_days']}"
    )


def _seed_year(ctx, rng, year, city, towns, schools, points_by_town, all_points, reviewer, pools, per_class, totals):
    pool_all, pool_town, secretaries = pools
    teachers = _roster_teachers(year)
    bookings = _Bookings()
    days = _working_days(year)
    # plans and classes
    plans = [
        AnnualPlan(
            school=s,
            year=year,
            title=f"{s.name}{year}年度教学计划",
            status=AnnualPlan.Status.APPROVED,
            submitted_at=_at(dt.date(year, 1, 3), 10),
            reviewed_at=_at(dt.date(year, 1, 5), 15),
            reviewed_by=reviewer,
            review_comment="同意。",
        )
        for s in schools
    ]
    AnnualPlan.objects.bulk_create(plans)
    specs = []  # (school, plan, title, module, is_rotation, day, audiences)
    for plan in plans:
        s = plan.school
        count = CITY_CLASSES if s.pk == city.pk else TOWN_CLASSES
        topics = CITY_TOPICS if s.pk == city.pk else TOWN_TOPICS
        chosen = sorted(rng.sample(days, count))
        for i, day in enumerate(chosen):
            title, module = topics[i % len(topics)]
            rotation = s.pk == city.pk and i % 5 == 3
            if rotation:
                title, module = "基层党组织书记集中轮训班", "professional"
            audiences = (
                ["branch_secretary"]
                if rotation
                else (["ordinary"] if module != "professional" else ["village_committee"])
            )
            specs.append((s, plan, f"{year}年{title}（第{i + 1}期）", module, rotation, day, audiences))
    planned = [
        PlannedClass(
            plan=plan,
            title=title,
            module=module,
            audiences=aud,
            quarter=(day.month - 1) // 3 + 1,
            target_trainees=per_class,
            is_rotation=rot,
        )
        for (s, plan, title, module, rot, day, aud) in specs
    ]
    PlannedClass.objects.bulk_create(planned)
    classes = []
    for (s, _plan, title, module, rot, day, aud), pc in zip(specs, planned, strict=True):
        if rot and day.weekday() == 4:
            day -= dt.timedelta(days=1)  # two-day classes run Monday–Thursday starts
        end = day + dt.timedelta(days=1) if rot else day
        classes.append(
            TrainingClass(
                title=title,
                school=s,
                module=module,
                audiences=aud,
                is_rotation=rot,
                start_date=day,
                end_date=end,
                capacity=int(per_class * 1.2) // 10 * 10 + 10,
                place=f"{s.name}报告厅",
                planned_class=pc,
            )
        )
    TrainingClass.objects.bulk_create(classes)

    all_sessions: list[ClassSession] = []
    per_class_sessions = []
    for c in classes:
        points = all_points if c.school_id == city.pk else points_by_town[c.school_id]
        sessions, carry = _sessions_for(rng, c, bookings, points, teachers)
        if rng.random() < NONCOMPLIANT:
            keep = _break_template(rng, sessions)
            carry = []
            sessions = keep
        sessions = [x for x in sessions if x.kind != Kind.TEACHING_POINT or x.teaching_point_id]
        result = check_template(c, sessions)
        c.is_compliant, c.compliance_missing = result.ok, result.missing
        if result.ok:
            c.status = TrainingClass.Status.PUBLISHED
            c.published_at = _at(c.start_date - dt.timedelta(days=14), 9)
        per_class_sessions.append((c, sessions, [sessions[i] for i in carry if i < len(sessions)] if result.ok else []))
        all_sessions += sessions
    ClassSession.objects.bulk_create(all_sessions, batch_size=5000)
    TrainingClass.objects.bulk_update(classes, ["is_compliant", "compliance_missing", "status", "published_at"])

    # enrolment, attendance, credited days
    enrol_rows, att_rows, credit_rows = [], [], []
    rotated: set[int] = set()
    trainings: dict[int, int] = defaultdict(int)
    resized: list[TrainingClass] = []
    for c, sessions, carry in per_class_sessions:
        if c.status != TrainingClass.Status.PUBLISHED:
            continue
        if c.is_rotation:
            # Secretaries not yet through this year's rotation class come first.
            pool = [m for m in secretaries if m not in rotated] or secretaries
        elif c.school_id == city.pk:
            pool = pool_all
        else:
            pool = pool_town[c.school_id]
        scale = 1.0
        if not c.is_rotation and c.school_id != city.pk and pool_town:
            # Town classes are as big as the town: a town with more members runs fuller classes.
            scale = len(pool) / (sum(len(p) for p in pool_town.values()) / len(pool_town))
        size = min(len(pool), int(per_class * scale * rng.uniform(0.8, 1.2)))
        if size > c.capacity:
            c.capacity = (size // 10 + 1) * 10
            resized.append(c)
        members = _choose_trainees(rng, pool, size, trainings)
        for m in members:
            trainings[m] += 1
        if c.is_rotation:
            rotated.update(members)
        enrolled_at = _at(c.start_date - dt.timedelta(days=7), 10)
        enrol_rows += [(c.pk, m, enrolled_at) for m in members]
        if c.end_date > ctx.today or not carry:
            continue
        present = []
        for m in members:
            r = rng.random()
            if r < 0.90:
                present += [(m, s.pk) for s in carry]
            elif r < 0.95:
                present.append((m, carry[0].pk))
        for m, sid in present:
            start = next(s.starts_at for s in carry if s.pk == sid)
            att_rows.append((sid, m, True, Attendance.Source.QR, start + dt.timedelta(minutes=rng.randint(-10, 5))))
        for (m, day), secs in credited_days_for(sessions, present).items():
            credit_rows.append((m, day, c.pk, c.school.tier, c.is_rotation, seconds_to_hours(secs)))
    TrainingClass.objects.bulk_update(resized, ["capacity"])
    totals["enrollments"] += rows_copy(Enrollment, ["training_class", "member", "created_at"], enrol_rows)
    totals["attendance"] += rows_copy(Attendance, ["session", "member", "present", "source", "signed_at"], att_rows)
    totals["credited_days"] += rows_copy(
        CreditedDay, ["member", "day", "training_class", "school_tier", "is_rotation", "hours"], credit_rows
    )
    totals["classes"] += len(classes)
    totals["noncompliant"] += sum(1 for c in classes if not c.is_compliant)
    ctx.log(f"    {year}: {len(classes)} 个班次，{len(enrol_rows)} 人次报名，{len(credit_rows)} 个认定培训日")


def _next_year_plans(ctx, rng, towns, per_class) -> None:
    """Two town schools have submitted next year's plan: the department has something to approve."""
    for town in towns:
        if town.region not in ("伦镇", "房寺镇"):
            continue
        submitter = User.objects.filter(staff_assignments__school=town).first()
        plan = AnnualPlan.objects.create(
            school=town,
            year=ctx.year + 1,
            title=f"{town.name}{ctx.year + 1}年度教学计划",
            status=AnnualPlan.Status.SUBMITTED,
            submitted_at=timezone.now(),
            submitted_by=submitter,
            notes="按照“5+1+N”模式，每季度至少举办两期集中培训。",
        )
        PlannedClass.objects.bulk_create(
            [
                PlannedClass(plan=plan, title=title, module=module, quarter=q, target_trainees=per_class)
                for q, (title, module) in enumerate(rng.sample(TOWN_TOPICS, 4), start=1)
            ]
        )
