"""Reads of the teacher pool: rosters, schedules, evaluation state, feedback and the annual
assessment. Aggregates are computed in the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import Rank
from django.utils import timezone

from lms.training.models import Attendance, ClassSession

from . import conf
from .models import (
    AssessmentPolicy,
    Evaluation,
    EvaluationDimension,
    EvaluationScore,
    RosterEntry,
    RosterYear,
    Teacher,
    TeacherSpecialty,
)


def teacher_list(*, kind: str | None = None, module: str | None = None, topic: str | None = None) -> QuerySet:
    qs = Teacher.objects.prefetch_related(
        Prefetch("specialties", queryset=TeacherSpecialty.objects.order_by("module", "topic"))
    ).order_by("kind", "name", "id")
    if kind:
        qs = qs.filter(kind=kind)
    if module or topic:
        spec = TeacherSpecialty.objects.all()
        if module:
            spec = spec.filter(module=module)
        if topic:
            spec = spec.filter(topic__icontains=topic)
        qs = qs.filter(id__in=spec.values("teacher_id"))
    return qs


def roster_teachers(year: int) -> QuerySet[Teacher]:
    """Teachers on the roster of `year` (active entries, teacher still in the pool). Town schools
    may only book teachers from this queryset."""
    return (
        Teacher.objects.filter(
            is_active=True,
            id__in=RosterEntry.objects.filter(roster__year=year, removed_at__isnull=True).values("teacher_id"),
        )
        .prefetch_related("specialties")
        .order_by("kind", "name", "id")
    )


def roster_year_get(year: int) -> RosterYear | None:
    return RosterYear.objects.filter(year=year).first()


def roster_entries(*, year: int, include_removed: bool = False) -> QuerySet[RosterEntry]:
    qs = RosterEntry.objects.filter(roster__year=year).select_related("teacher", "roster", "added_by", "removed_by")
    if not include_removed:
        qs = qs.filter(removed_at__isnull=True)
    return qs.order_by("teacher__kind", "teacher__name", "added_at")


def roster_history(teacher: Teacher) -> QuerySet[RosterEntry]:
    """Every roster entry of one teacher, oldest first: additions, removals, reasons and who."""
    return (
        RosterEntry.objects.filter(teacher=teacher)
        .select_related("roster", "added_by", "removed_by")
        .order_by("roster__year", "added_at")
    )


# --- schedule ---------------------------------------------------------------------------------


def teacher_sessions(teacher: Teacher, start: dt.datetime | None = None, end: dt.datetime | None = None) -> QuerySet:
    """The class sessions a teacher is engaged for (not of cancelled classes), oldest first.
    The classes feature owns sessions; this defers to its selector when it is there."""
    start = start or timezone.now() - dt.timedelta(days=365)
    end = end or start + dt.timedelta(days=3 * 365)
    try:
        from lms.training.selectors import sessions_for_teacher
    except ImportError:  # pragma: no cover - classes feature not installed
        return (
            ClassSession.objects.filter(teacher=teacher, starts_at__lt=end, ends_at__gt=start)
            .select_related("training_class__school", "teaching_point", "teacher")
            .order_by("starts_at")
        )
    return sessions_for_teacher(teacher, start, end)


# --- evaluations ------------------------------------------------------------------------------


def dimensions_active() -> list[EvaluationDimension]:
    return list(EvaluationDimension.objects.filter(is_active=True).order_by("order", "id"))


def evaluations_pending_for(member, now: dt.datetime | None = None) -> QuerySet[ClassSession]:
    """Ended sessions with a teacher that `member` attended and has not evaluated, while the
    window is open; soonest to close first. Mirrors teachers.rules.evaluation_refusal."""
    if member is None:
        return ClassSession.objects.none()
    now = now or timezone.now()
    window = dt.timedelta(days=conf.evaluation_window_days())
    return (
        ClassSession.objects.filter(
            teacher__isnull=False,
            ends_at__lte=now,
            ends_at__gte=now - window,
            id__in=Attendance.objects.filter(member=member, present=True).values("session_id"),
        )
        .exclude(id__in=Evaluation.objects.filter(member=member).values("session_id"))
        .select_related("teacher", "training_class")
        .order_by("ends_at")
    )


def evaluations_of_member(member) -> QuerySet[Evaluation]:
    return (
        Evaluation.objects.filter(member=member)
        .select_related("session__training_class", "teacher")
        .prefetch_related("scores")
        .order_by("-session__ends_at")
    )


def evaluation_of(member, session) -> Evaluation | None:
    if member is None:
        return None
    return Evaluation.objects.filter(member=member, session=session).prefetch_related("scores").first()


# --- feedback to the teacher ------------------------------------------------------------------


def _round(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class SessionFeedback:
    session: ClassSession
    responses: int
    shown: bool  # enough responses to show scores and comments without identifying anyone
    overall: Decimal | None = None
    dimension_means: list[Decimal | None] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


def teacher_feedback(teacher: Teacher, *, now: dt.datetime | None = None) -> list[SessionFeedback]:
    """Anonymous per-session aggregates of a teacher's ended sessions, newest first. Scores and
    comments appear only for sessions with at least the minimum number of responses.

    Everything counts only the evaluations bound to this teacher (``Evaluation.teacher``, the
    teacher who taught when the member evaluated): the threshold counts exactly the scores that
    are shown, whatever staff change on the session afterwards."""
    now = now or timezone.now()
    minimum = conf.feedback_min_responses()
    dims = dimensions_active()
    mine = Q(evaluations__teacher=teacher)
    sessions = list(
        ClassSession.objects.filter(
            Q(teacher=teacher) | Q(id__in=Evaluation.objects.filter(teacher=teacher).values("session_id"))
        )
        .filter(ends_at__lte=now)
        .select_related("training_class__school", "teaching_point")
        .annotate(responses=Count("evaluations", filter=mine))
        .order_by("-starts_at")
    )
    shown_ids = [s.pk for s in sessions if s.responses >= minimum]
    overall: dict[int, float] = {}
    by_dim: dict[tuple[int, int], float] = {}
    comments: dict[int, list[str]] = {}
    if shown_ids:
        scores = EvaluationScore.objects.filter(evaluation__session_id__in=shown_ids, evaluation__teacher=teacher)
        overall = dict(
            scores.order_by()
            .values("evaluation__session_id")
            .annotate(v=Avg("score"))
            .values_list("evaluation__session_id", "v")
        )
        for sid, did, v in (
            scores.order_by()
            .values("evaluation__session_id", "dimension_id")
            .annotate(v=Avg("score"))
            .values_list("evaluation__session_id", "dimension_id", "v")
        ):
            by_dim[(sid, did)] = v
        # Ordered by text, not by submission, so the order says nothing about who wrote what.
        for sid, text in (
            Evaluation.objects.filter(session_id__in=shown_ids, teacher=teacher)
            .exclude(comment="")
            .order_by("session_id", "comment")
            .values_list("session_id", "comment")
        ):
            comments.setdefault(sid, []).append(text)
    out = []
    for s in sessions:
        shown = s.pk in overall
        out.append(
            SessionFeedback(
                session=s,
                responses=s.responses,
                shown=shown,
                overall=_round(overall.get(s.pk)) if shown else None,
                dimension_means=[_round(by_dim.get((s.pk, d.pk))) for d in dims] if shown else [],
                comments=comments.get(s.pk, []) if shown else [],
            )
        )
    return out


def feedback_trend(feedback: list[SessionFeedback]) -> list[dict]:
    """Chart points (oldest first) of the sessions whose aggregate may be shown."""
    return [
        {
            "date": timezone.localtime(f.session.starts_at).strftime("%Y-%m-%d"),
            "label": f"{f.session.training_class.title} · {f.session}",
            "overall": float(f.overall),
            "responses": f.responses,
        }
        for f in reversed(feedback)
        if f.shown
    ]


# --- annual assessment ------------------------------------------------------------------------


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz)


@dataclass(frozen=True)
class AssessmentThresholds:
    score_threshold: Decimal
    min_sessions: int
    min_responses: int


def assessment_thresholds(year: int) -> AssessmentThresholds:
    policy = AssessmentPolicy.objects.filter(year=year).first()
    if policy:
        return AssessmentThresholds(policy.score_threshold, policy.min_sessions, policy.min_responses)
    return AssessmentThresholds(
        conf.assessment_score_threshold(), conf.assessment_min_sessions(), conf.feedback_min_responses()
    )


@dataclass
class AssessmentRow:
    teacher: Teacher
    on_roster: bool
    sessions: int
    attendees: int
    responses: int
    response_rate: Decimal | None
    dimension_means: list[Decimal | None]
    overall: Decimal | None  # None when there are fewer responses than the minimum
    rank: int | None
    kind_size: int
    previous_overall: Decimal | None
    change: Decimal | None
    flags: list[str]

    @property
    def flagged(self) -> bool:
        return bool(self.flags)


@dataclass
class Assessment:
    year: int
    thresholds: AssessmentThresholds
    dimensions: list[EvaluationDimension]
    rows: list[AssessmentRow]

    @property
    def flagged(self) -> list[AssessmentRow]:
        return [r for r in self.rows if r.flagged]


def _grouped(qs: QuerySet, key: str, **aggregates) -> dict:
    """One GROUP BY query → {key: row}."""
    return {row[key]: row for row in qs.order_by().values(key).annotate(**aggregates)}


def teacher_assessment(
    year: int,
    *,
    kind: str | None = None,
    module: str | None = None,
    topic: str | None = None,
    now: dt.datetime | None = None,
) -> Assessment:
    """The department's annual assessment of the pool: one row per teacher on the year's roster
    or teaching in that year. Every figure is a GROUP BY in the database (a fixed number of
    queries however many teachers and evaluations), the rank within kind a window function.

    - sessions: the year's sessions that have ended; attendees: present attendances at them;
    - responses: evaluations of the year's sessions; response rate = responses ÷ attendees;
    - dimension means: mean score per dimension; overall: mean of the questionnaires' mean
      scores (each trainee's questionnaire weighs the same); shown, ranked and compared with
      last year only with at least `min_responses` responses;
    - flags: overall below the threshold, or fewer sessions than the minimum."""
    now = now or timezone.now()
    thresholds = assessment_thresholds(year)
    minimum = thresholds.min_responses
    dims = dimensions_active()
    start, end = year_bounds(year)
    prev_start, prev_end = year_bounds(year - 1)
    year_sessions = ClassSession.objects.filter(teacher__isnull=False, starts_at__gte=start, starts_at__lt=end)
    ended = year_sessions.filter(ends_at__lte=now)

    teachers = list(
        Teacher.objects.filter(
            Q(id__in=RosterEntry.objects.filter(roster__year=year).values("teacher_id"))
            | Q(id__in=year_sessions.values("teacher_id"))
        )
        .annotate(
            on_roster=Exists(
                RosterEntry.objects.filter(teacher=OuterRef("pk"), roster__year=year, removed_at__isnull=True)
            )
        )
        .prefetch_related("specialties")
        .order_by("kind", "name", "id")
    )
    sessions = _grouped(ended, "teacher_id", n=Count("id"))
    attendees = _grouped(
        Attendance.objects.filter(session__in=ended.values("id"), present=True), "session__teacher_id", n=Count("id")
    )
    evaluations = Evaluation.objects.filter(session__starts_at__gte=start, session__starts_at__lt=end)
    scored = (
        evaluations.order_by()
        .values("teacher_id", "teacher__kind")
        .annotate(n=Count("id"), overall=Avg("mean_score"))
        .annotate(scored=Case(When(n__gte=minimum, then=F("overall")), default=Value(None), output_field=FloatField()))
        .annotate(rank=Window(Rank(), partition_by=[F("teacher__kind")], order_by=F("scored").desc(nulls_last=True)))
    )
    scored = {row["teacher_id"]: row for row in scored}
    previous = _grouped(
        Evaluation.objects.filter(session__starts_at__gte=prev_start, session__starts_at__lt=prev_end),
        "teacher_id",
        n=Count("id"),
        overall=Avg("mean_score"),
    )
    means = {
        (tid, did): v
        for tid, did, v in EvaluationScore.objects.filter(
            evaluation__session__starts_at__gte=start, evaluation__session__starts_at__lt=end
        )
        .order_by()
        .values("evaluation__teacher_id", "dimension_id")
        .annotate(v=Avg("score"))
        .values_list("evaluation__teacher_id", "dimension_id", "v")
    }
    kind_sizes: dict[str, int] = {}
    for t in teachers:
        kind_sizes[t.kind] = kind_sizes.get(t.kind, 0) + 1
    allowed: set[int] | None = None
    if module or topic:
        allowed = set(teacher_list(module=module, topic=topic).values_list("id", flat=True))
    rows = []
    for t in teachers:
        if (kind and t.kind != kind) or (allowed is not None and t.pk not in allowed):
            continue
        n_sessions = sessions.get(t.pk, {}).get("n", 0)
        n_attendees = attendees.get(t.pk, {}).get("n", 0)
        mine = scored.get(t.pk, {})
        n_responses = mine.get("n", 0)
        overall = _round(mine["overall"]) if n_responses >= minimum else None
        before = previous.get(t.pk, {})
        prev_overall = _round(before["overall"]) if before.get("n", 0) >= minimum else None
        flags = []
        if overall is not None and overall < thresholds.score_threshold:
            flags.append(f"综合得分低于{thresholds.score_threshold}")
        if n_sessions < thresholds.min_sessions:
            flags.append("全年未授课" if thresholds.min_sessions == 1 else f"授课少于{thresholds.min_sessions}次")
        rows.append(
            AssessmentRow(
                teacher=t,
                on_roster=t.on_roster,
                sessions=n_sessions,
                attendees=n_attendees,
                responses=n_responses,
                response_rate=(Decimal(n_responses) / Decimal(n_attendees)).quantize(Decimal("0.0001"))
                if n_attendees
                else None,
                dimension_means=[_round(means.get((t.pk, d.pk))) for d in dims],
                overall=overall,
                rank=mine["rank"] if overall is not None else None,
                kind_size=kind_sizes[t.kind],
                previous_overall=prev_overall,
                change=(overall - prev_overall) if overall is not None and prev_overall is not None else None,
                flags=flags,
            )
        )
    kind_order = {k: i for i, k in enumerate(Teacher.Kind.values)}
    rows.sort(key=lambda r: (kind_order[r.teacher.kind], r.rank is None, r.rank or 0, r.teacher.name, r.teacher.pk))
    return Assessment(year=year, thresholds=thresholds, dimensions=dims, rows=rows)
