"""Demo trainee evaluations for `seed_demo` (runs after the classes demo): for sessions with a
teacher that ended since January of last year, a share of the attendees answer the
questionnaire. Each teacher has a latent quality so the annual assessment shows a realistic
spread (most 4–5, a few weak teachers flagged). Recent sessions are left partly unanswered
so members have pending evaluations. Bulk inserts, sampled, so 101,599 members × 5 years
stays feasible."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, OuterRef, Subquery, Value
from django.utils import timezone

from lms.training.models import Attendance, ClassSession

from . import conf
from .models import Evaluation, EvaluationDimension, EvaluationScore, Teacher
from .services import dimensions_ensure_defaults, mean_of

MAX_RESPONSES_PER_SESSION = 400  # district-scale sessions (~2,000 present) are sampled to stay fast
FLUSH_EVERY = 10000
POSITIVE = [
    "讲得深入浅出，很受启发。",
    "结合本村实际，听得懂、用得上。",
    "案例生动，希望多安排这样的课。",
    "政治站位高，内容很充实。",
    "互动多，气氛好。",
    "对我们村集体经济发展很有帮助。",
]
NEUTRAL = ["内容较多，时间稍紧。", "希望提前发放学习材料。", "建议增加现场教学环节。", "PPT字有点小，后排看不清。"]
NEGATIVE = ["照本宣科，联系实际不够。", "内容偏理论，基层用处不大。", "语速太快，没跟上。", "与去年讲的内容重复。"]


def _clip(x: float) -> int:
    return max(1, min(5, round(x)))


@transaction.atomic
def seed(ctx) -> None:
    rng = ctx.rng
    now = timezone.now()
    dimensions_ensure_defaults()
    dims = list(EvaluationDimension.objects.filter(is_active=True).order_by("order", "id"))
    since_year = ctx.year - 1 if ctx.years >= 2 else ctx.year
    since = dt.datetime(since_year, 1, 1, tzinfo=timezone.get_current_timezone())
    evaluable = ClassSession.objects.filter(teacher__isnull=False, ends_at__lte=now, starts_at__gte=since)
    sessions: dict[int, dt.datetime] = {}
    teacher_of: dict[int, int] = {}
    for sid, ends_at, tid in evaluable.values_list("id", "ends_at", "teacher_id"):
        sessions[sid], teacher_of[sid] = ends_at, tid
    if not sessions:
        ctx.log("    没有可评价的课次（班次演示数据缺失？）")
        return
    quality: dict[int, float] = {}
    for tid in Teacher.objects.values_list("id", flat=True):
        weak = rng.random() < 0.08
        quality[tid] = rng.gauss(3.0, 0.3) if weak else min(4.8, max(3.2, rng.gauss(4.0, 0.4)))
    attendees: dict[int, list[int]] = {}
    for sid, mid in (
        Attendance.objects.filter(session__in=evaluable.values("id"), present=True)
        .values_list("session_id", "member_id")
        .iterator(chunk_size=10000)
    ):
        attendees.setdefault(sid, []).append(mid)
    window = dt.timedelta(days=conf.evaluation_window_days())
    demo_member = _demo_member_id()
    evaluations: list[Evaluation] = []
    answers: list[list[int]] = []
    totals = {"evaluations": 0, "scores": 0}

    def flush() -> None:
        created = Evaluation.objects.bulk_create(evaluations, batch_size=2000)
        rows = [
            EvaluationScore(evaluation_id=ev.pk, dimension_id=d.pk, score=v)
            for ev, scores in zip(created, answers, strict=True)
            for d, v in zip(dims, scores, strict=True)
        ]
        EvaluationScore.objects.bulk_create(rows, batch_size=5000)
        totals["evaluations"] += len(created)
        totals["scores"] += len(rows)
        evaluations.clear()
        answers.clear()

    for sid, members in attendees.items():
        recent = now - sessions[sid] < window
        share = rng.uniform(0.15, 0.35) if recent else rng.uniform(0.4, 0.85)
        if recent and demo_member in members:
            members = [m for m in members if m != demo_member]  # leave the demo member something to do
        k = min(MAX_RESPONSES_PER_SESSION, max(0, round(len(members) * share)))
        q = quality[teacher_of[sid]]
        for mid in rng.sample(members, k):
            bias = rng.gauss(0, 0.35)
            scores = [_clip(q + bias + rng.gauss(0, 0.45)) for _ in dims]
            mean = mean_of(scores)
            comment = ""
            if rng.random() < 0.25:
                pool = POSITIVE if mean >= 4 else NEUTRAL if mean >= 3 else NEGATIVE
                comment = rng.choice(pool)
            evaluations.append(
                Evaluation(session_id=sid, member_id=mid, teacher_id=teacher_of[sid], comment=comment, mean_score=mean)
            )
            answers.append(scores)
        if len(evaluations) >= FLUSH_EVERY:
            flush()
    flush()
    # bulk_create stamps "now"; answers came soon after the session ended.
    ends = ClassSession.objects.filter(pk=OuterRef("session_id")).values("ends_at")[:1]
    stamp = ExpressionWrapper(Subquery(ends) + Value(dt.timedelta(hours=2)), output_field=DateTimeField())
    Evaluation.objects.filter(session__in=evaluable.values("id")).update(submitted_at=stamp, updated_at=stamp)
    ctx.log(f"    学员评价 {totals['evaluations']} 份（{len(attendees)} 个课次，{totals['scores']} 项评分）")
    _relink_demo_teacher(now)


def _relink_demo_teacher(now) -> None:
    """Give the `jiangshi` login the teacher with the most evaluated sessions (and, among
    those, upcoming ones), so the demo teacher has feedback and a schedule to show. The
    classes demo chose who teaches, after teachers.demo linked the login."""
    from django.db.models import Count, Q

    user_teacher = Teacher.objects.filter(user__username="jiangshi").first()
    if user_teacher is None:
        return
    best = (
        Teacher.objects.annotate(
            evaluated=Count("evaluations__session", distinct=True),
            upcoming=Count("sessions", filter=Q(sessions__starts_at__gt=now), distinct=True),
        )
        .filter(evaluated__gt=0)
        .order_by("-upcoming", "-evaluated", "id")
        .first()
    )
    if best is None or best.pk == user_teacher.pk:
        return
    user = user_teacher.user
    Teacher.objects.filter(pk=user_teacher.pk).update(user=None)
    Teacher.objects.filter(pk=best.pk).update(user=user)
    user.display_name = f"{best.name}（讲师）"
    user.save(update_fields=["display_name"])


def _demo_member_id() -> int | None:
    from lms.members.models import Member

    return Member.objects.filter(user__username="dangyuan").values_list("id", flat=True).first()
