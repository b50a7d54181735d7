"""School-staff workspace, member sign-in pages and calendar feeds under /training/."""

from __future__ import annotations

import datetime as dt
import io

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from lms import params
from lms.accounts import policy
from lms.accounts.scope import scope_for, scoped
from lms.members.models import Member
from lms.portal.ratelimit import throttle_page

from . import ical, selectors, services, signin
from .forms import ClassForm, CodeForm, PlanForm, PlannedClassForm, ReviewForm, SessionForm
from .models import AnnualPlan, ClassSession, Enrollment, PlannedClass, TrainingClass


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, msgs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, msgs)
    else:
        form.add_error(None, exc.messages)


def _staff_required(request) -> None:
    if not policy.is_staff(request.user):
        raise PermissionDenied("仅党校或组织部工作人员可以访问。")


def _class_or_404(request, pk: int) -> TrainingClass:
    return get_object_or_404(selectors.classes_visible_to(request.user), pk=pk)


def _session_or_404(request, pk: int) -> ClassSession:
    session = get_object_or_404(ClassSession.objects.select_related("training_class", "training_class__school"), pk=pk)
    if not scoped(TrainingClass.objects.filter(pk=session.training_class_id), request.user).exists():
        raise Http404
    return session


# --- workspace -------------------------------------------------------------------------------


@login_required
def index(request):
    scope = scope_for(request.user)
    if not scope.is_staff_scope:
        return my_classes(request)
    qs = selectors.classes_visible_to(request.user)
    status = request.GET.get("status", "")
    if status in TrainingClass.Status.values:
        qs = qs.filter(status=status)
    if request.GET.get("noncompliant"):
        qs = qs.filter(is_compliant=False)
    year = params.year(request.GET.get("year"), default=None)
    if year:
        qs = qs.filter(start_date__year=year)
    classes = list(qs.order_by("-start_date", "title")[:200])
    return render(
        request,
        "training/index.html",
        {
            "classes": classes,
            "can_manage": scope.can_manage_schools or scope.is_all,
            "statuses": TrainingClass.Status.choices,
            "status": status,
            "year": year,
        },
    )


@login_required
def my_classes(request):
    member_id = policy.member_id_for(request.user)
    if not member_id:
        raise PermissionDenied("只有党员账号有“我的班次”。")
    today = timezone.localdate()
    upcoming = list(selectors.upcoming_classes_for_member(member_id, today, limit=20))
    now = timezone.now()
    sessions = list(selectors.sessions_for_member(member_id, now - dt.timedelta(days=3), now + dt.timedelta(days=60)))
    selectors.member_session_status(member_id, sessions, now)
    credited = list(selectors.member_credited_days(member_id)[:30])
    pending_days = sorted(
        {
            (timezone.localtime(s.starts_at).date(), s.training_class.title)
            for s in sessions
            if s.signin_css == "ok" and s.ends_at > now
        }
    )
    return render(
        request,
        "training/my_classes.html",
        {"upcoming": upcoming, "sessions": sessions, "credited": credited, "pending_days": pending_days},
    )


@login_required
def class_new(request):
    scope = scope_for(request.user)
    if not (scope.is_all or scope.can_manage_schools):
        raise PermissionDenied(services.NOT_YOUR_SCHOOL)
    form = ClassForm(request.POST or None, user=request.user)
    if request.method == "GET":
        form.initial.setdefault("start_date", timezone.localdate() + dt.timedelta(days=7))
        form.initial.setdefault("end_date", timezone.localdate() + dt.timedelta(days=7))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            training_class = services.class_create(
                user=request.user,
                school=data["school"],
                title=data["title"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                module=data["module"],
                audiences=data["audiences"],
                capacity=data["capacity"],
                place=data["place"],
                is_rotation=data["is_rotation"],
                planned_class=data.get("planned_class"),
                from_template=data.get("from_template", False),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "班次已创建（草稿）。请补充基层教学点现场教学后发布。")
            return redirect("training:class_detail", pk=training_class.pk)
    return render(request, "training/class_form.html", {"form": form, "title": "新建班次"})


@login_required
def class_edit(request, pk: int):
    training_class = _class_or_404(request, pk)
    services.school_manage_check(request.user, training_class.school_id)
    form = ClassForm(request.POST or None, instance=training_class, user=request.user)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k in services.CLASS_FIELDS}
        try:
            services.class_update(user=request.user, training_class=TrainingClass.objects.get(pk=pk), **fields)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "班次信息已保存。")
            return redirect("training:class_detail", pk=pk)
    return render(request, "training/class_form.html", {"form": form, "title": f"编辑班次：{training_class}"})


@login_required
def class_detail(request, pk: int):
    training_class = _class_or_404(request, pk)
    scope = scope_for(request.user)
    if not scope.is_staff_scope:
        return redirect("training:my_classes")
    can_manage = services.school_manageable(request.user, training_class.school_id)
    sessions = list(selectors.class_sessions(training_class))
    enrollments = list(selectors.class_enrollments_with_credit(training_class)[:500])
    session_form = SessionForm(training_class=training_class) if can_manage else None
    return render(
        request,
        "training/class_detail.html",
        {
            "c": training_class,
            "sessions": sessions,
            "enrollments": enrollments,
            "can_manage": can_manage,
            "session_form": session_form,
        },
    )


@login_required
@require_POST
def class_publish(request, pk: int):
    training_class = _class_or_404(request, pk)
    try:
        services.class_publish(user=request.user, training_class=training_class)
    except ValidationError as exc:
        messages.error(request, "不能发布：" + "；".join(_errors(exc)))
    else:
        messages.success(request, "班次已发布。")
    return redirect("training:class_detail", pk=pk)


@login_required
@require_POST
def class_cancel(request, pk: int):
    training_class = _class_or_404(request, pk)
    services.class_cancel(user=request.user, training_class=training_class)
    messages.success(request, "班次已取消。")
    return redirect("training:class_detail", pk=pk)


@login_required
def session_new(request, pk: int):
    training_class = _class_or_404(request, pk)
    services.school_manage_check(request.user, training_class.school_id)
    return _session_form(request, training_class, ClassSession(training_class=training_class))


@login_required
def session_edit(request, pk: int):
    session = _session_or_404(request, pk)
    services.school_manage_check(request.user, session.training_class.school_id)
    return _session_form(request, session.training_class, session)


def _session_form(request, training_class, session):
    if request.method == "GET" and not session.pk:
        kind = request.GET.get("kind")
        initial = {"kind": kind} if kind in ClassSession.Kind.values else {}
        form = SessionForm(instance=session, training_class=training_class, initial=initial)
    else:
        form = SessionForm(request.POST or None, instance=session, training_class=training_class)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_save(user=request.user, session=form.instance)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"已保存课次：{form.instance.display_title}")
            return redirect("training:class_detail", pk=training_class.pk)
    return render(
        request,
        "training/session_form.html",
        {"form": form, "c": training_class, "title": "编辑课次" if session.pk else "添加课次"},
    )


@login_required
@require_POST
def session_delete(request, pk: int):
    session = _session_or_404(request, pk)
    try:
        services.session_delete(user=request.user, session=session)
    except ValidationError as exc:
        messages.error(request, "；".join(_errors(exc)))
    else:
        messages.success(request, "课次已删除。")
    return redirect("training:class_detail", pk=session.training_class_id)


# --- enrolment -------------------------------------------------------------------------------


@login_required
def class_enrol(request, pk: int):
    training_class = _class_or_404(request, pk)
    services.school_manage_check(request.user, training_class.school_id)
    errors: list[str] = []
    ticked: set[str] = set()
    typed = ""
    if request.method == "POST":
        ticked = {raw for raw in request.POST.getlist("member") if raw.isascii() and raw.isdigit() and len(raw) < 16}
        typed = request.POST.get("member_nos", "")[:20000]
        nos, errors = _member_nos(request, typed)
        ids = sorted(ticked) + nos
        if not errors and not ids:
            errors = ["请勾选或填写要报名的党员。"]
        if not errors:
            try:
                rows = services.enrollment_add(user=request.user, training_class=training_class, member_ids=ids)
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                messages.success(request, f"已报名{len(rows)}人。")
                return redirect("training:class_detail", pk=pk)
    suggested = list(selectors.suggested_trainees(request.user, training_class, limit=50))
    return render(
        request,
        "training/enrol.html",
        {"c": training_class, "suggested": suggested, "errors": errors, "ticked": ticked, "typed": typed},
        status=400 if errors else 200,
    )


def _member_nos(request, typed: str) -> tuple[list[str], list[str]]:
    """Member ids for the typed member numbers (one per line or comma-separated), and a
    Chinese message per bad row ("第3行：…") so the clerk can fix exactly that row."""
    import unicodedata

    lines = []
    for line_no, line in enumerate(typed.splitlines(), start=1):
        for part in line.replace("，", ",").replace("、", ",").split(","):
            no = unicodedata.normalize("NFKC", part).strip()
            if no:
                lines.append((line_no, no))
    if not lines:
        return [], []
    if len(lines) > 2000:
        return [], ["一次最多填写2000个党员编号，请分批报名。"]
    found = dict(
        scoped(Member.objects.filter(member_no__in=[no for _, no in lines]), request.user).values_list(
            "member_no", "pk"
        )
    )
    errors = [f"第{line_no}行：党员编号“{no}”不存在或不在您的管辖范围内。" for line_no, no in lines if no not in found]
    return [str(found[no]) for _, no in lines if no in found], errors


@login_required
@require_POST
def enrollment_delete(request, pk: int):
    enrollment = get_object_or_404(
        scoped(Enrollment.objects.select_related("training_class", "member"), request.user), pk=pk
    )
    services.enrollment_remove(user=request.user, enrollment=enrollment)
    messages.success(request, "已取消报名。")
    return redirect("training:class_detail", pk=enrollment.training_class_id)


# --- sign-in ---------------------------------------------------------------------------------


def _qr_svg(url: str) -> str:
    img = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    buf = io.BytesIO()
    img.save(buf)
    svg = buf.getvalue().decode()
    return svg[svg.index("<svg") :]


def _signin_payload(request, session: ClassSession) -> dict:
    token = signin.token_for(session.pk)
    url = request.build_absolute_uri(reverse("training:signin", args=[token]))
    now = timezone.now().timestamp()
    return {
        "url": url,
        "svg": _qr_svg(url),
        "code": signin.code_for(session.pk),
        "refresh_in": max(1, int(signin.slot_expires_at(now) - now)),
        "present": session.attendances.filter(present=True).count(),
        "enrolled": session.training_class.enrollments.count(),
    }


@login_required
def session_signin_screen(request, pk: int):
    """The projector page: the QR and short code rotate; the page fetches new ones itself."""
    session = _session_or_404(request, pk)
    services.school_manage_check(request.user, session.training_class.school_id)
    opens, closes = services.signin_window(session)
    return render(
        request,
        "training/signin_screen.html",
        {"s": session, "p": _signin_payload(request, session), "opens": opens, "closes": closes},
    )


@login_required
def session_signin_qr(request, pk: int):
    session = _session_or_404(request, pk)
    services.school_manage_check(request.user, session.training_class.school_id)
    response = JsonResponse(_signin_payload(request, session))
    response["Cache-Control"] = "no-store"
    return response


@login_required
def signin_token(request, token: str):
    """A member opened the QR link: they are marked present or told exactly why not."""
    try:
        result = services.attendance_sign_in_token(user=request.user, token=token)
    except services.SignInRefused as exc:
        return _signin_page({"ok": False, "reason": exc.reason}, status=403)
    return _signin_done(request, result)


def _signin_page(context: dict, status: int = 200) -> HttpResponse:
    """The stand-alone result page, rendered without the site's context processors: 500 phones
    open it at once, and it needs no roles, messages or navigation."""
    return HttpResponse(render_to_string("training/signin_result.html", context), status=status)


def _signin_done(request, result: services.SignIn):
    return _signin_page(
        {
            "ok": True,
            "created": result.created,
            "attendance": result.attendance,
            "s": result.attendance.session,
            "day": result.sessions,
            "present_ids": result.present_ids,
            "later": result.later,
        },
    )


@login_required
@throttle_page("signin")  # one budget with the API's sign-in (guessing six-digit codes)
def signin_code(request):
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.attendance_sign_in_code(user=request.user, code=form.cleaned_data["code"])
        except services.SignInRefused as exc:
            form.add_error("code", exc.reason)
        else:
            return _signin_done(request, result)
    return render(request, "training/signin_code.html", {"form": form})


@login_required
def roll_call(request, pk: int):
    session = _session_or_404(request, pk)
    services.school_manage_check(request.user, session.training_class.school_id)
    refusal = services.roll_call_refusal(session)
    if not refusal:
        services.attendance_day_carry(session_ids=[session.pk])
    enrollments = list(selectors.class_enrollments(session.training_class))
    present = set(session.attendances.filter(present=True).values_list("member_id", flat=True))
    if request.method == "POST":
        chosen = set(params.id_list(request.POST.getlist("present"), name="present", label="党员ID"))
        changes = {e.member_id: (e.member_id in chosen) for e in enrollments}
        try:
            n = services.attendance_roll_call(user=request.user, session=session, present=changes)
        except ValidationError as exc:
            messages.error(request, "；".join(_errors(exc)))
        else:
            messages.success(request, f"点名已保存，变更{n}人。")
            return redirect("training:roll_call", pk=pk)
    return render(
        request,
        "training/roll_call.html",
        {"s": session, "enrollments": enrollments, "present": present, "refusal": refusal},
    )


@login_required
def teacher_picker(request, pk: int):
    """JSON for the session form's teacher picker: the year's roster with kind, unit, school,
    specialties and availability at the chosen time (staff who manage the class only)."""
    from lms import params

    training_class = _class_or_404(request, pk)
    services.school_manage_check(request.user, training_class.school_id)
    starts_at = _local_datetime(request.GET.get("starts_at"))
    ends_at = _local_datetime(request.GET.get("ends_at"))
    kind = request.GET.get("kind", "")
    rows = selectors.teacher_picker_rows(
        training_class,
        starts_at=starts_at,
        ends_at=ends_at,
        session_kind=kind if kind in ClassSession.Kind.values else "",
        exclude_session=params.object_id(request.GET.get("session"), name="session", label="课次编号"),
        query=request.GET.get("q", "")[:100],
    )
    response = JsonResponse({"teachers": rows, "checked_time": bool(starts_at and ends_at)})
    response["Cache-Control"] = "no-store"
    return response


def _local_datetime(raw: str | None) -> dt.datetime | None:
    """A datetime-local value ("2026-12-01T09:30") in the site's time zone; None if absent or bad."""
    if not raw or len(raw) > 32:
        return None
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    if not 2000 <= value.year <= 2100:
        return None
    return value if timezone.is_aware(value) else timezone.make_aware(value)


# --- plans -----------------------------------------------------------------------------------


@login_required
def plan_list(request):
    _staff_required(request)
    plans = list(selectors.plans_visible_to(request.user).order_by("-year", "school__tier", "school__name")[:200])
    scope = scope_for(request.user)
    return render(
        request,
        "training/plan_list.html",
        {"plans": plans, "can_create": scope.is_all or scope.can_manage_schools},
    )


@login_required
def plan_new(request):
    _staff_required(request)
    form = PlanForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            plan = services.plan_create(
                user=request.user, school=d["school"], year=d["year"], title=d["title"], notes=d["notes"]
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            return redirect("training:plan_detail", pk=plan.pk)
    return render(request, "training/plan_form.html", {"form": form})


def _plan_or_404(request, pk) -> AnnualPlan:
    return get_object_or_404(selectors.plans_visible_to(request.user), pk=pk)


@login_required
def plan_detail(request, pk: int):
    _staff_required(request)
    plan = _plan_or_404(request, pk)
    can_edit = plan.is_editable and services.school_manageable(request.user, plan.school_id)
    form = PlannedClassForm(request.POST or None) if can_edit else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.planned_class_add(user=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "已添加计划班次。")
            return redirect("training:plan_detail", pk=pk)
    return render(
        request,
        "training/plan_detail.html",
        {
            "plan": plan,
            "report": selectors.plan_vs_actual(plan),
            "form": form,
            "can_edit": can_edit,
            "can_review": plan.status == AnnualPlan.Status.SUBMITTED and services.plan_reviewable(request.user, plan),
            "review_form": ReviewForm(),
        },
    )


@login_required
@require_POST
def plan_submit(request, pk: int):
    plan = _plan_or_404(request, pk)
    try:
        services.plan_submit(user=request.user, plan=plan)
    except ValidationError as exc:
        messages.error(request, "；".join(_errors(exc)))
    else:
        messages.success(request, "计划已提交，等待组织部审批。")
    return redirect("training:plan_detail", pk=pk)


@login_required
@require_POST
def plan_review(request, pk: int):
    plan = _plan_or_404(request, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择审批结果。")
        return redirect("training:plan_detail", pk=pk)
    try:
        services.plan_review(
            user=request.user,
            plan=plan,
            approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
        )
    except ValidationError as exc:
        messages.error(request, "；".join(_errors(exc)))
    else:
        messages.success(request, "审批结果已保存。")
    return redirect("training:plan_detail", pk=pk)


@login_required
@require_POST
def planned_class_delete(request, pk: int):
    item = get_object_or_404(scoped(PlannedClass.objects.select_related("plan"), request.user), pk=pk)
    try:
        services.planned_class_delete(user=request.user, planned_class=item)
    except ValidationError as exc:
        messages.error(request, "；".join(_errors(exc)))
    return redirect("training:plan_detail", pk=item.plan_id)


# --- calendar feeds --------------------------------------------------------------------------


def _ics(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def _feed_range():
    now = timezone.now()
    return now - dt.timedelta(days=90), now + dt.timedelta(days=365)


@login_required
def member_ics(request):
    member_id = policy.member_id_for(request.user)
    if not member_id:
        raise PermissionDenied("只有党员账号可以导出班次日历。")
    start, end = _feed_range()
    sessions = selectors.sessions_for_member(member_id, start, end)
    return _ics(ical.sessions_calendar(sessions, name="我的党校班次", host=request.get_host()), "my-classes.ics")


def _teacher_feed(request, teacher_id: int) -> HttpResponse:
    from teachers.models import Teacher

    teacher = get_object_or_404(Teacher, pk=teacher_id)
    start, end = _feed_range()
    sessions = selectors.sessions_for_teacher(teacher, start, end)
    return _ics(
        ical.sessions_calendar(sessions, name=f"{teacher.name}的授课安排", host=request.get_host()), "teaching.ics"
    )


@login_required
def teacher_ics(request):
    teacher_id = policy.teacher_id_for(request.user)
    if not teacher_id:
        raise PermissionDenied("只有讲师账号可以导出授课日历。")
    return _teacher_feed(request, teacher_id)


def teacher_ics_token(request, token: str):
    """Subscription URL for calendar apps that cannot log in (token = signed teacher id)."""
    teacher_id = ical.teacher_feed_token_check(token)
    if teacher_id is None:
        raise Http404("日历订阅链接无效。")
    return _teacher_feed(request, teacher_id)


@login_required
def teacher_feed_link(request):
    teacher_id = policy.teacher_id_for(request.user)
    if not teacher_id:
        raise PermissionDenied("只有讲师账号有授课日历订阅链接。")
    url = request.build_absolute_uri(reverse("training:teacher_ics_token", args=[ical.teacher_feed_token(teacher_id)]))
    return render(request, "training/teacher_feed.html", {"url": url})
