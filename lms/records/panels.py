"""Nav entries of 学习档案 (see lms.portal.panels)."""

from lms.accounts import policy

from .selectors import may_print_archives


def nav_items(request) -> list[tuple[str, str]]:
    items = []
    if policy.member_id_for(request.user):
        items.append(("学习档案", "/records/me/"))
    if may_print_archives(request.user):
        items.append(("档案打印", "/records/print/"))
    return items
