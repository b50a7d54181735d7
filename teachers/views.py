"""Pages of the teacher pool: the pool and profiles, the yearly roster, a teacher's schedule
and calendar feed, the trainee questionnaire, feedback to the teacher and the department's
annual assessment. Reads go through teachers.selectors, writes through teachers.services."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from courses.modules import Module
from lms import params
from lms.accounts import policy
from lms.accounts.scope import scope_for
from lms.training.models import ClassSession

from . import access, conf, selectors, services
from .exports import assessment_workbook
from .models import RosterEntry, Teacher
from .rules import evaluation_closes_at, evaluation_refusal


def _errors(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _member(request):
    scope = scope_for(request.user)
    return getattr(request.user, "member", None) if scope.member_id else None


def _own_teacher(request) -> Teacher:
    teacher_id = policy.teacher_id_for(request.user)
    if not teacher_id:
        raise PermissionDenied("您的账号未关联讲师信息。")
    return Teacher.objects.get(pk=teacher_id)


# --- pool and profiles ------------------------------------------------------------------------


@login_required
def teacher_list(request):
    kind = request.GET.get("kind") or None
    module = request.GET.get("module") or None
    topic = (request.GET.get("q") or "").strip() or None
    kind = kind if kind in Teacher.Kind.values else None
    module = module if module in Module.values else None
    visible = access.teachers_visible_to(request.user)
    teachers = selectors.teacher_list(kind=kind, module=module, topic=topic).filter(pk__in=visible.values("pk"))
    year = timezone.localdate().year
    on_roster = set(selectors.roster_teachers(year).values_list("pk", flat=True))
    return render(
        request,
        "teachers/teacher_list.html",
        {
            "teachers": teachers,
            "kinds": Teacher.Kind.choices,
            "modules": Module.choices,
            "selected": {"kind": kind or "", "module": module or "", "q": topic or ""},
            "sees_contact": access.sees_contact(request.user),
            "manages_pool": access.manages_pool(request.user),
            "on_roster": on_roster,
            "year": year,
        },
    )


@login_required
def teacher_detail(request, pk: int):
    teacher = get_object_or_404(access.teachers_visible_to(request.user).prefetch_related("specialties"), pk=pk)
    private = access.sees_teacher_private(request.user, teacher)
    return render(
        request,
        "teachers/teacher_detail.html",
        {
            "teacher": teacher,
            "sees_contact": access.sees_contact(request.user) or access.is_self(request.user, teacher),
            "private": private,
            "history": selectors.roster_history(teacher) if private else [],
            "manages_pool": access.manages_pool(request.user),
        },
    )


# --- yearly roster ----------------------------------------------------------------------------


@login_required
def roster_current(request):
    year = params.year(request.GET.get("year"))
    return redirect("teachers:roster", year=year if 2000 <= year <= 2100 else timezone.localdate().year)


@login_required
def roster(request, year: int):
    scope = scope_for(request.user)
    if not scope.is_staff_scope:
        raise PermissionDenied("师资名录仅对党校和组织部工作人员开放。")
    roster_year = selectors.roster_year_get(year)
    entries = list(selectors.roster_entries(year=year, include_removed=True)) if roster_year else []
    active_ids = {e.teacher_id for e in entries if e.is_active}
    candidates = (
        Teacher.objects.filter(is_active=True).exclude(pk__in=active_ids).order_by("kind", "name")
        if scope.can_manage_pool and roster_year
        else []
    )
    counts = {k: 0 for k, _ in Teacher.Kind.choices}
    for e in entries:
        if e.is_active:
            counts[e.teacher.kind] += 1
    return render(
        request,
        "teachers/roster.html",
        {
            "year": year,
            "roster": roster_year,
            "entries": entries,
            "candidates": candidates,
            "manages_pool": scope.can_manage_pool,
            "counts": [(label, counts[k]) for k, label in Teacher.Kind.choices],
            "active_total": len(active_ids),
            "years": selectors.RosterYear.objects.order_by("-year").values_list("year", flat=True),
        },
    )


@login_required
@require_POST
def roster_open(request, year: int):
    try:
        services.roster_year_open(year=year, actor=request.user, note=request.POST.get("note", "")[:200])
        messages.success(request, f"{year}年度师资名录已开启。")
    except ValidationError as exc:
        messages.error(request, "；".join(_errors(exc)))
    return redirect("teachers:roster", year=year)


@login_required
@require_POST
def roster_add(request, year: int):
    if not access.manages_pool(request.user):
        raise PermissionDenied(services.POOL_DENIED)
    teacher = Teacher.objects.filter(pk=_int(request.POST.get("teacher"), 0)).first()
    if teacher is None:
        messages.error(request, "请选择要加入名录的讲师。")
        return redirect("teachers:roster", year=year)
    try:
        services.roster_entry_add(year=year, teacher=teacher, actor=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, f"已将 {teacher.name} 加入{year}年度名录。")
    except ValidationError as exc:
        messages.error(request, "；".join(_errors(exc)))
    return redirect("teachers:roster", year=year)


@login_required
@require_POST
def roster_remove(request, pk: int):
    if not access.manages_pool(request.user):
        raise PermissionDenied(services.POOL_DENIED)
    entry = get_object_or_404(RosterEntry.objects.select_related("roster", "teacher"), pk=pk)
    try:
        services.roster_entry_remove(entry=entry, actor=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, f"已将 {entry.teacher.name} 调出{entry.roster.year}年度名录。")
    except ValidationError as exc:
        messages.error(request, "；".join(_errors(exc)))
    return redirect("teachers:roster", year=entry.roster.year)


# --- schedule and calendar --------------------------------------------------------------------


def teacher_feed_path(teacher: Teacher) -> str:
    """The subscription URL of the teacher's iCalendar feed, served by the classes feature
    (lms.training.ical) so there is one calendar of sessions, not two."""
    from lms.training.ical import teacher_feed_token

    return reverse("training:teacher_ics_token", args=[teacher_feed_token(teacher.pk)])


def _schedule_context(request, teacher: Teacher):
    now = timezone.now()
    sessions = list(selectors.teacher_sessions(teacher, start=now - dt.timedelta(days=90)))
    return {
        "teacher": teacher,
        "upcoming": [s for s in sessions if s.ends_at >= now],
        "past": list(reversed([s for s in sessions if s.ends_at < now]))[:20],
        "feed_url": request.build_absolute_uri(teacher_feed_path(teacher)),
        "is_self": access.is_self(request.user, teacher),
    }


@login_required
def my_schedule(request):
    return render(request, "teachers/schedule.html", _schedule_context(request, _own_teacher(request)))


@login_required
def schedule(request, pk: int):
    teacher = get_object_or_404(Teacher, pk=pk)
    if not access.sees_teacher_private(request.user, teacher):
        raise Http404
    return render(request, "teachers/schedule.html", _schedule_context(request, teacher))


# --- evaluations ------------------------------------------------------------------------------


@login_required
def evaluate(request, session_id: int):
    member = _member(request)
    session = get_object_or_404(ClassSession.objects.select_related("teacher", "training_class__school"), pk=session_id)
    refusal = evaluation_refusal(member=member, session=session)
    existing = selectors.evaluation_of(member, session)
    dimensions = selectors.dimensions_active()
    errors: list[str] = []
    values = {d.code: "" for d in dimensions}
    comment = existing.comment if existing else ""
    if existing:
        by_dim = {s.dimension_id: s.score for s in existing.scores.all()}
        values = {d.code: str(by_dim.get(d.pk, "")) for d in dimensions}
    status = 200
    if request.method == "POST":
        values = {d.code: request.POST.get(f"score_{d.code}", "") for d in dimensions}
        comment = request.POST.get("comment", "")
        submitted = {k: v for k, v in values.items() if v != ""}
        try:
            services.evaluation_submit(member=member, session=session, scores=submitted, comment=comment)
        except ValidationError as exc:
            errors = _errors(exc)
            status = 400
        else:
            messages.success(request, "评价已保存，谢谢！" if not existing else "评价已修改。")
            return redirect("teachers:my-evaluations")
    elif refusal:
        status = 403 if member is None or "只有" in refusal else 200
    return render(
        request,
        "teachers/evaluate.html",
        {
            "session": session,
            "refusal": refusal,
            "errors": errors,
            "dimensions": [(d, values.get(d.code, "")) for d in dimensions],
            "comment": comment,
            "existing": existing,
            "closes_at": evaluation_closes_at(session) if session.teacher_id else None,
            "scale": [(5, "很好"), (4, "较好"), (3, "一般"), (2, "较差"), (1, "很差")],
        },
        status=status,
    )


@login_required
def my_evaluations(request):
    member = _member(request)
    if member is None:
        raise PermissionDenied("只有党员学员可以评价授课。")
    now = timezone.now()
    done = list(selectors.evaluations_of_member(member)[:50])
    for ev in done:
        ev.editable = now <= evaluation_closes_at(ev.session)
    return render(
        request,
        "teachers/my_evaluations.html",
        {"pending": selectors.evaluations_pending_for(member, now), "done": done},
    )


# --- feedback to the teacher ------------------------------------------------------------------


def _feedback_page(request, teacher: Teacher):
    feedback = selectors.teacher_feedback(teacher)
    return render(
        request,
        "teachers/feedback.html",
        {
            "teacher": teacher,
            "feedback": feedback,
            "trend": selectors.feedback_trend(feedback),
            "dimensions": selectors.dimensions_active(),
            "minimum": conf.feedback_min_responses(),
        },
    )


@login_required
def my_feedback(request):
    return _feedback_page(request, _own_teacher(request))


@login_required
def feedback(request, pk: int):
    teacher = get_object_or_404(Teacher, pk=pk)
    if not access.sees_teacher_private(request.user, teacher):
        raise Http404  # another teacher's feedback does not exist for this user
    return _feedback_page(request, teacher)


# --- annual assessment ------------------------------------------------------------------------


def _assessment_args(request) -> dict:
    year = params.year(request.GET.get("year"))
    if not 2000 <= year <= 2100:
        year = timezone.localdate().year
    kind = request.GET.get("kind") or None
    module = request.GET.get("module") or None
    return {
        "year": year,
        "kind": kind if kind in Teacher.Kind.values else None,
        "module": module if module in Module.values else None,
        "topic": (request.GET.get("topic") or "").strip()[:60] or None,
    }


def _require_pool_manager(request):
    if not access.manages_pool(request.user):
        raise PermissionDenied("讲师年度考核仅对组织部工作人员开放。")


@login_required
def assessment(request):
    _require_pool_manager(request)
    args = _assessment_args(request)
    result = selectors.teacher_assessment(args["year"], kind=args["kind"], module=args["module"], topic=args["topic"])
    by_kind: dict[str, list[float]] = {}
    for r in result.rows:
        if r.overall is not None:
            by_kind.setdefault(r.teacher.get_kind_display(), []).append(float(r.overall))
    buckets = ["<3.0", "3.0–3.5", "3.5–4.0", "4.0–4.5", "≥4.5"]
    histogram = [0] * len(buckets)
    for values in by_kind.values():
        for v in values:
            histogram[0 if v < 3 else 1 if v < 3.5 else 2 if v < 4 else 3 if v < 4.5 else 4] += 1
    chart = {
        "kinds": list(by_kind),
        "kind_means": [round(sum(v) / len(v), 2) for v in by_kind.values()],
        "buckets": buckets,
        "histogram": histogram,
        "dimensions": [d.name for d in result.dimensions],
        "dimension_means": [
            round(sum(float(x) for x in col if x is not None) / max(1, sum(1 for x in col if x is not None)), 2)
            for col in zip(*[r.dimension_means for r in result.rows], strict=True)
        ]
        if result.rows
        else [],
    }
    query = request.GET.urlencode()
    return render(
        request,
        "teachers/assessment.html",
        {
            "result": result,
            "args": args,
            "kinds": Teacher.Kind.choices,
            "modules": Module.choices,
            "chart": chart,
            "xlsx_url": reverse("teachers:assessment-xlsx") + (f"?{query}" if query else ""),
            "flagged_count": len(result.flagged),
        },
    )


@login_required
def assessment_xlsx(request):
    _require_pool_manager(request)
    args = _assessment_args(request)
    result = selectors.teacher_assessment(args["year"], kind=args["kind"], module=args["module"], topic=args["topic"])
    response = HttpResponse(
        assessment_workbook(result),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="teacher-assessment-{args["year"]}.xlsx"'
    return response
