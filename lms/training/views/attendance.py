"""Sign-in and roll call pages: the projector's rotating QR and code, the member's scan and
typed-code pages, and the staff roll call."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from lms import params
from lms.qr import qr_svg
from lms.security.ratelimit import throttle_page

from .. import selectors, signin
from ..forms import CodeForm
from ..models import ClassSession
from ..services.attendance import (
    SignIn,
    SignInRefused,
    attendance_sign_in_code,
    attendance_sign_in_token,
    signin_window,
)
from ..services.permissions import school_manage_check
from ..services.roll_call import attendance_day_carry, attendance_roll_call, roll_call_refusal
from .common import error_messages, session_or_404


def _signin_payload(request, session: ClassSession) -> dict:
    token = signin.token_for(session.pk)
    url = request.build_absolute_uri(reverse("training:signin", args=[token]))
    now = timezone.now().timestamp()
    return {
        "url": url,
        "svg": qr_svg(url),
        "code": signin.code_for(session.pk),
        "refresh_in": max(1, int(signin.slot_expires_at(now) - now)),
        "present": session.attendances.filter(present=True).count(),
        "enrolled": session.training_class.enrollments.count(),
    }


@login_required
def session_signin_screen(request, pk: int):
    """The projector page: the QR and short code rotate; the page fetches new ones itself."""
    session = session_or_404(request, pk)
    school_manage_check(request.user, session.training_class.school_id)
    opens, closes = signin_window(session)
    return render(
        request,
        "training/signin_screen.html",
        {"s": session, "p": _signin_payload(request, session), "opens": opens, "closes": closes},
    )


@login_required
def session_signin_qr(request, pk: int):
    session = session_or_404(request, pk)
    school_manage_check(request.user, session.training_class.school_id)
    response = JsonResponse(_signin_payload(request, session))
    response["Cache-Control"] = "no-store"
    return response


@login_required
def signin_token(request, token: str):
    """A member opened the QR link: they are marked present or told exactly why not."""
    try:
        result = attendance_sign_in_token(user=request.user, token=token)
    except SignInRefused as exc:
        return _signin_page({"ok": False, "reason": exc.reason}, status=403)
    return _signin_done(request, result)


def _signin_page(context: dict, status: int = 200) -> HttpResponse:
    """The stand-alone result page, rendered without the site's context processors: 500 phones
    open it at once, and it needs no roles, messages or navigation."""
    return HttpResponse(render_to_string("training/signin_result.html", context), status=status)


def _signin_done(request, result: SignIn):
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
            result = attendance_sign_in_code(user=request.user, code=form.cleaned_data["code"])
        except SignInRefused as exc:
            form.add_error("code", exc.reason)
        else:
            return _signin_done(request, result)
    return render(request, "training/signin_code.html", {"form": form})


@login_required
def roll_call(request, pk: int):
    session = session_or_404(request, pk)
    school_manage_check(request.user, session.training_class.school_id)
    refusal = roll_call_refusal(session)
    if not refusal:
        attendance_day_carry(session_ids=[session.pk])
    enrollments = list(selectors.class_enrollments(session.training_class))
    present = set(session.attendances.filter(present=True).values_list("member_id", flat=True))
    if request.method == "POST":
        chosen = set(params.id_list(request.POST.getlist("present"), name="present", label="党员ID"))
        changes = {e.member_id: (e.member_id in chosen) for e in enrollments}
        try:
            n = attendance_roll_call(user=request.user, session=session, present=changes)
        except ValidationError as exc:
            messages.error(request, "；".join(error_messages(exc)))
        else:
            messages.success(request, f"点名已保存，变更{n}人。")
            return redirect("training:roll_call", pk=pk)
    return render(
        request,
        "training/roll_call.html",
        {"s": session, "enrollments": enrollments, "present": present, "refusal": refusal},
    )
