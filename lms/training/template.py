"""The 5+1+N class template (每期集中培训 "5+1+N"), as one rule.

Every centralized class must contain the five mandatory items (签到, 奏唱国歌或国际歌,
重温入党誓词, 集体学习党章, 领导讲课) and at least one session held at a grassroots teaching
point; optional items (自选动作, the "N") are free. `check_template` is the only place that
decides this: publishing calls it, every session change stores its result on the class
(`is_compliant`, `compliance_missing`) so reports count compliance with a plain filter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from teachers.models import Teacher

from .models import ClassSession, TrainingClass

Kind = ClassSession.Kind

MANDATORY_KINDS: tuple[str, ...] = (Kind.SIGN_IN, Kind.ANTHEM, Kind.OATH, Kind.CONSTITUTION, Kind.LEADER_LECTURE)
MISSING_ITEM = "缺少必选项目：{label}"
MISSING_TEACHING_POINT = "至少需要一次基层教学点现场教学"
MISSING_TEACHER = "{label}尚未安排{teacher_kind}讲师"

# Template items that are taught, and the kind of pool teacher each takes (teachers.Teacher.Kind).
# 领导讲课 is a lecture by a leading cadre: only a 领导干部 teacher makes it count.
TEACHER_KIND_REQUIRED: dict[str, str] = {Kind.LEADER_LECTURE: "leader"}

# Default timetable used by "new class from template" (start, minutes) on the first class day.
TEMPLATE_TIMETABLE: tuple[tuple[str, dt.time, int], ...] = (
    (Kind.SIGN_IN, dt.time(8, 30), 30),
    (Kind.ANTHEM, dt.time(9, 0), 10),
    (Kind.OATH, dt.time(9, 10), 20),
    (Kind.CONSTITUTION, dt.time(9, 30), 60),
    (Kind.LEADER_LECTURE, dt.time(10, 40), 80),
)


@dataclass(frozen=True)
class TemplateCheck:
    ok: bool
    missing: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        return "；".join(self.missing)


def check_template(training_class: TrainingClass, sessions: Iterable[ClassSession] | None = None) -> TemplateCheck:
    """Check a class against 5+1+N. ``sessions`` may be passed when they are not saved yet
    (the demo builds them in memory); otherwise the class's saved sessions are read.

    A session counts as the teaching-point visit only when it is held at a teaching point:
    a session of kind "teaching_point" without a teaching point does not count. An item that
    is taught (TEACHER_KIND_REQUIRED) counts only with a teacher of the required kind."""
    if sessions is None:
        sessions = (
            list(training_class.sessions.only("kind", "teaching_point_id", "teacher_id")) if training_class.pk else []
        )
    sessions = list(sessions)
    kinds_of = _teacher_kinds(sessions)
    kinds = set()
    untaught = set()
    at_point = False
    for s in sessions:
        wanted = TEACHER_KIND_REQUIRED.get(s.kind)
        if wanted is not None and kinds_of.get(s.teacher_id) != wanted:
            untaught.add(s.kind)
        else:
            kinds.add(s.kind)
        if s.teaching_point_id is not None:
            at_point = True
    missing = []
    for k in MANDATORY_KINDS:
        if k in kinds:
            continue
        if k in untaught:
            missing.append(MISSING_TEACHER.format(label=Kind(k).label, teacher_kind=_kind_label(k)))
        else:
            missing.append(MISSING_ITEM.format(label=Kind(k).label))
    if not at_point:
        missing.append(MISSING_TEACHING_POINT)
    return TemplateCheck(ok=not missing, missing=missing)


def _kind_label(session_kind: str) -> str:
    return Teacher.Kind(TEACHER_KIND_REQUIRED[session_kind]).label


def _teacher_kinds(sessions: list[ClassSession]) -> dict[int, str]:
    """Teacher id → kind for the taught items (one query; loaded teachers are reused)."""
    known: dict[int, str] = {}
    wanted: set[int] = set()
    for s in sessions:
        if s.kind in TEACHER_KIND_REQUIRED and s.teacher_id:
            cached = s._state.fields_cache.get("teacher")
            if cached is not None:
                known[s.teacher_id] = cached.kind
            else:
                wanted.add(s.teacher_id)
    wanted -= known.keys()
    if wanted:
        known.update(Teacher.objects.filter(pk__in=wanted).values_list("pk", "kind"))
    return known


def teacher_kind_refusal(session_kind: str, teacher) -> str:
    """Why ``teacher`` cannot teach an item of ``session_kind`` ('' when they can)."""
    wanted = TEACHER_KIND_REQUIRED.get(session_kind)
    if wanted is None or teacher is None or teacher.kind == wanted:
        return ""
    return (
        f"“{Kind(session_kind).label}”只能由{_kind_label(session_kind)}类讲师讲授，"
        f"{teacher.name}属于{teacher.get_kind_display()}。"
    )


def template_sessions(training_class: TrainingClass, *, day: dt.date | None = None) -> list[ClassSession]:
    """Unsaved sessions for the five mandatory items on the class's first day (or ``day``)."""
    day = day or training_class.start_date
    tz = timezone.get_current_timezone()
    out = []
    for kind, start, minutes in TEMPLATE_TIMETABLE:
        starts_at = dt.datetime.combine(day, start, tzinfo=tz)
        out.append(
            ClassSession(
                training_class=training_class,
                kind=kind,
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(minutes=minutes),
                room=training_class.place,
            )
        )
    return out
