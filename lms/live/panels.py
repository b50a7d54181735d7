"""Home-page panel and nav entry of live classes (see lms.portal.panels)."""

from django.template.loader import render_to_string

from lms.accounts import policy

from . import selectors


def member_panel(request) -> str:
    if not policy.member_id_for(request.user):
        return ""
    upcoming = selectors.broadcasts_upcoming(request.user)
    # Most days there is none: asking first without the six related tables costs a fraction of
    # planning the full query (9 ms at district scale), which only runs when there is something.
    if not upcoming.exists():
        return ""
    broadcasts = list(upcoming[:5])
    if not broadcasts:
        return ""
    return render_to_string("live/panel_member.html", {"broadcasts": broadcasts}, request=request)


def nav_items(request) -> list[tuple[str, str]]:
    return [("直播课堂", "/live/")] if policy.may_watch(request.user) else []
