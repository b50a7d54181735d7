"""Home-page panel and nav entry of reflections (see lms.portal.panels): members write them;
a branch secretary sees how many wait for review."""

from django.template.loader import render_to_string

from lms.accounts import policy

from . import selectors


def member_panel(request) -> str:
    pending = selectors.review_queue(request.user).count() if selectors.secretary_of(request.user) else 0
    if not pending:
        return ""
    return render_to_string("reflections/panels/secretary.html", {"pending": pending}, request=request)


def nav_items(request) -> list[tuple[str, str]]:
    if policy.member_id_for(request.user) is None:
        return []
    return [("学习心得", "/reflections/")]
