import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from lms.accounts import policy
from lms.training import selectors as training_selectors

from .services import COOKIE, COOKIE_MAX_AGE, SESSION_KEY, elder_mode_set


def _back(request) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("portal:home")


@require_POST
def elder_mode(request):
    """The one-tap switch in every page's top bar and on the login page. The form sends the
    wanted state (enabled=1/0), not "flip", so a double tap or a resent form changes nothing."""
    enabled = request.POST.get("enabled") == "1"
    if request.user.is_authenticated:
        elder_mode_set(user=request.user, enabled=enabled)
        request.session[SESSION_KEY] = enabled
    response = HttpResponseRedirect(_back(request))
    if enabled:
        response.set_cookie(COOKIE, "1", max_age=COOKIE_MAX_AGE, samesite="Lax", secure=request.is_secure())
    else:
        response.delete_cookie(COOKIE, samesite="Lax")
    return response


@login_required
def signin_help(request):
    """签到 for a member: sign-in happens by scanning the QR code on the class's big screen with
    the phone's camera (or typing the 6-digit code); this page says how, and shows today's
    sessions with whether the member is already signed in."""
    member_id = policy.member_id_for(request.user)
    if not member_id:
        raise PermissionDenied("签到页面仅对党员开放。")
    now = timezone.now()
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    sessions = list(training_selectors.sessions_for_member(member_id, start, start + dt.timedelta(days=1)))
    training_selectors.member_session_status(member_id, sessions, now)
    return render(request, "accessibility/signin.html", {"sessions": sessions, "today": today})
