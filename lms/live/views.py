"""Live-class pages: the player, the school's broadcast page (OBS server URL and stream key),
setting a session live, 收看点 sign-in screens and headcount, the department view and its
xlsx. Every page asks lms.accounts.policy (via the selectors) and writes through services."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from lms.accounts import policy
from lms.qr import qr_svg
from lms.training import signin
from lms.training.models import ClassSession
from lms.training.services.attendance import SignInRefused

from . import conf, selectors, services
from .models import BroadcastSite, LiveBroadcast


def _watchable_or_404(request, pk: int) -> LiveBroadcast:
    broadcast = selectors.broadcasts_watchable(request.user).filter(pk=pk).first()
    if broadcast is None:
        raise Http404
    return broadcast


def _managed_or_404(request, pk: int) -> LiveBroadcast:
    broadcast = selectors.broadcasts_managed(request.user).filter(pk=pk).first()
    if broadcast is None:
        raise Http404
    return broadcast


@login_required
def index(request):
    managed = list(selectors.broadcasts_managed(request.user)[:50]) if policy.is_staff(request.user) else []
    return render(
        request,
        "live/index.html",
        {
            "upcoming": list(selectors.broadcasts_upcoming(request.user)[:30]),
            "managed": managed,
            "to_broadcast": list(selectors.sessions_to_broadcast(request.user)[:30]),
            "disabled": conf.unavailable_reason(),
        },
    )


@login_required
def watch(request, pk: int):
    """The player page (members on phones, site terminals, staff previewing)."""
    broadcast = _watchable_or_404(request, pk)
    urls = conf.playback_urls(broadcast.stream_name, request)
    site_id = request.GET.get("site") or ""
    site_id = site_id if site_id.isascii() and site_id.isdigit() and len(site_id) < 19 else ""
    progress = None
    member_id = policy.member_id_for(request.user)
    if member_id and broadcast.lesson_id:
        from courses.models import StudyProgress

        progress = StudyProgress.objects.filter(member_id=member_id, lesson_id=broadcast.lesson_id).first()
    return render(
        request,
        "live/watch.html",
        {
            "b": broadcast,
            "s": broadcast.session,
            "urls": urls,
            "elapsed": services.broadcast_elapsed(broadcast),
            "heartbeat_url": reverse("live-api:broadcast-heartbeat", args=[broadcast.pk]),
            "site_id": site_id,
            "is_member": member_id is not None,
            "progress": progress,
            "disabled": conf.unavailable_reason(),
        },
    )


@login_required
def manage(request, pk: int):
    """The school's page for a live session: what to type into OBS, the 收看点 and their
    sign-in screens, the recording."""
    broadcast = _managed_or_404(request, pk)
    can_run = policy.may_manage_school(request.user, broadcast.session.training_class.school_id)
    return render(
        request,
        "live/manage.html",
        {
            "b": broadcast,
            "s": broadcast.session,
            "can_run": can_run,
            "server_url": conf.rtmp_public_url(request),
            "stream_key": f"{broadcast.stream_name}?key={broadcast.stream_key}" if can_run else "",
            "links": list(broadcast.site_links.select_related("site__school").order_by("site__name")),
            "disabled": conf.unavailable_reason(),
        },
    )


@login_required
def session_setup(request, session_pk: int):
    """Make a class session a live session, choosing the 收看点 that take part."""
    session = get_object_or_404(
        policy.visible(ClassSession.objects.select_related("training_class__school"), request.user), pk=session_pk
    )
    existing = LiveBroadcast.objects.filter(session=session).first()
    if existing is not None:
        return redirect("live:manage", pk=existing.pk)
    if not policy.may_manage_school(request.user, session.training_class.school_id):
        raise PermissionDenied("只有主办党校的工作人员可以设置直播。")
    sites = list(selectors.sites_visible(request.user).filter(is_active=True))
    error = ""
    if request.method == "POST":
        try:
            broadcast = services.broadcast_create(
                user=request.user, session=session, site_ids=request.POST.getlist("sites")
            )
        except ValidationError as exc:
            error = "；".join(exc.messages)
        else:
            messages.success(request, "已设置为直播课。请把下方的服务器地址和推流密钥填入 OBS。")
            return redirect("live:manage", pk=broadcast.pk)
    return render(request, "live/setup.html", {"s": session, "sites": sites, "error": error})


@login_required
@require_POST
def key_rotate(request, pk: int):
    broadcast = _managed_or_404(request, pk)
    services.broadcast_key_rotate(user=request.user, broadcast=broadcast)
    messages.success(request, "推流密钥已更换，旧密钥立即失效。")
    return redirect("live:manage", pk=broadcast.pk)


def _site_link_or_404(request, pk: int) -> BroadcastSite:
    link = (
        policy.visible(
            BroadcastSite.objects.select_related("site__school", "broadcast__session__training_class"), request.user
        )
        .filter(pk=pk)
        .first()
    )
    if link is None or not policy.may_manage_school(request.user, link.site.school_id):
        raise Http404
    return link


def _site_payload(request, link: BroadcastSite) -> dict:
    url = request.build_absolute_uri(reverse("live:signin", args=[services.site_signin_token(link)]))
    now = timezone.now().timestamp()
    return {
        "url": url,
        "svg": qr_svg(url),
        "refresh_in": max(1, int(signin.slot_expires_at(now) - now)),
        "signed_in": link.signins.count(),
        "headcount": link.headcount,
    }


@login_required
def site_screen(request, pk: int):
    """The 收看点's screen: its own rotating sign-in QR beside the live picture."""
    link = _site_link_or_404(request, pk)
    return render(
        request, "live/site_screen.html", {"link": link, "b": link.broadcast, "p": _site_payload(request, link)}
    )


@login_required
def site_qr(request, pk: int):
    link = _site_link_or_404(request, pk)
    response = JsonResponse(_site_payload(request, link))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def site_headcount(request, pk: int):
    link = _site_link_or_404(request, pk)
    try:
        services.site_headcount_record(user=request.user, broadcast_site=link, count=request.POST.get("headcount"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "现场人数已登记。")
    return redirect("live:site_screen", pk=link.pk)


@login_required
def signin_token(request, token: str):
    """A member scanned a 收看点's QR."""
    try:
        attendance, created, link = services.site_sign_in(user=request.user, token=token)
    except SignInRefused as exc:
        return render(request, "live/signin_result.html", {"ok": False, "reason": exc.reason}, status=403)
    return render(
        request,
        "live/signin_result.html",
        {"ok": True, "created": created, "link": link, "b": link.broadcast, "s": link.broadcast.session},
    )


def _report_or_404(request, pk: int) -> LiveBroadcast:
    if not policy.is_staff(request.user):
        raise Http404
    return _managed_or_404(request, pk)


@login_required
def report(request, pk: int):
    """Department view: which 收看点 are online, viewers, sign-ins, headcount, watch minutes."""
    broadcast = _report_or_404(request, pk)
    rows = selectors.site_report(broadcast)
    return render(
        request,
        "live/report.html",
        {"b": broadcast, "s": broadcast.session, "rows": rows, "online_seconds": selectors.online_seconds()},
    )


REPORT_HEADER = [
    "收看点",
    "类型",
    "所属党校",
    "在线",
    "当前观看",
    "累计观看终端",
    "签到党员",
    "现场登记人数",
    "观看分钟",
]


@login_required
def report_xlsx(request, pk: int):
    from lms.spreadsheets import XLSX_CONTENT_TYPE, xlsx_row  # the shared formula-safe cells

    broadcast = _report_or_404(request, pk)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("收看点")
    ws.append(xlsx_row(ws, [str(broadcast)]))
    ws.append(xlsx_row(ws, REPORT_HEADER))
    for r in selectors.site_report(broadcast):
        ws.append(
            xlsx_row(
                ws,
                [r.name, r.kind, r.school, "是" if r.online else "否", r.viewers_now, r.viewers_total, r.signed_in]
                + [r.headcount, r.watch_minutes],
            )
        )
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(buf.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="live-{broadcast.pk}.xlsx"'
    return response
