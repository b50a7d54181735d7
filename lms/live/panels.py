"""Home-page panel and nav entry of live classes (see lms.portal.panels)."""

from django.template.loader import render_to_string

from lms.accounts import policy

from . import selectors


def member_panel(request) -> str:
    if not policy.member_id_for(request.user):
        return ""
    broadcasts = list(selectors.broadcasts_upcoming(request.user)[:5])
    if not broadcasts:
        return ""
    return render_to_string("live/panel_member.html", {"broadcasts": broadcasts}, request=request)


def nav_items(request) -> list[tuple[str, str]]:
    return [("直播课堂", "/live/")] if policy.may_watch(request.user) else []
