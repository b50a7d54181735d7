"""A closed class with attendance for 结业证书 and 学习档案 tests: the 5+1 template two days
ago, one trainee present at every required session, one who missed the teaching-point visit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from lms.training.credit import credited_days_recompute
from lms.training.models import ClassSession, TrainingClass

from .foundation import TeachingPointFactory
from .training import compliant_class, enrol, mark


@dataclass
class ClosedClass:
    training_class: TrainingClass
    full: list  # members present at every session
    partial: list  # members who missed a required session


def closed_class(*, school, full, partial=(), title: str = "2026年党支部书记示范培训班", day: dt.date | None = None):
    day = day or timezone.localdate() - dt.timedelta(days=1)
    point = TeachingPointFactory(school=school, name="红色教育基地")
    c = compliant_class(school=school, point=point, day=day, title=title)
    members = [*full, *partial]
    enrol(c, *members)
    for session in c.sessions.all():
        present = list(full)
        if session.kind != ClassSession.Kind.TEACHING_POINT:
            present += list(partial)
        if present:
            mark(session, *present)
    credited_days_recompute(c)
    return ClosedClass(c, list(full), list(partial))
