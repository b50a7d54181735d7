"""The member admin (党员): read-only listing and inspect view with the member's category and
branch history. Members are written by lms.members.services (roster import, site pages),
so that every change is recorded with its date. Shown in the 党组织与党员 menu group
(lms/organizations/wagtail_hooks.py)."""

from django.utils.html import format_html_join
from wagtail.snippets.views.snippets import InspectView

from lms.accounts.viewsets import ScopedSnippetViewSet

from .models import Member
from .selectors import member_history


class MemberInspectView(InspectView):
    def get_field_label(self, field_name, field):
        if field_name == "history":
            return "类别与组织关系变动"
        return super().get_field_label(field_name, field)

    def get_history_display_value(self):
        entries = member_history(self.object)
        if not entries:
            return "无变动记录（自登记以来类别和支部未变）"
        return format_html_join("", "<div>{}</div>", ((e.text,) for e in entries))


class MemberViewSet(ScopedSnippetViewSet):
    model = Member
    door_scope = "scoped"
    read_only = True  # the roster workspace and member services write members (history kept)
    chooser = True
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_class = MemberInspectView
    inspect_view_fields = [
        "name",
        "member_no",
        "branch",
        "gender",
        "phone",
        "join_date",
        "is_village_committee",
        "is_branch_secretary",
        "is_mobile",
        "is_active",
        "history",
    ]
    site_url = "/roster/"
    icon = "user"
    menu_label = "党员"
    list_display = [
        "name",
        "member_no",
        "branch",
        "join_date",
        "is_branch_secretary",
        "is_village_committee",
        "is_mobile",
    ]
    list_filter = ["is_branch_secretary", "is_village_committee", "is_mobile", "is_active"]
    search_fields = ["name", "member_no", "phone"]
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("branch")
