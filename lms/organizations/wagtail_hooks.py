from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from lms.accounts.models import StaffAssignment
from lms.accounts.viewsets import ScopedSnippetViewSet
from lms.members.models import Member

from .forms import PartyOrganizationForm
from .models import PartyOrganization


class PartyOrganizationViewSet(ScopedSnippetViewSet):
    model = PartyOrganization
    icon = "group"
    menu_label = "党组织"
    list_display = ["name", "kind", "sector", "town", "code"]
    list_filter = ["kind", "sector", "town"]
    search_fields = ["name", "code"]
    edit_handler = ObjectList(
        [
            FieldPanel("parent"),
            FieldPanel("name"),
            FieldPanel("code"),
            FieldPanel("kind"),
            FieldPanel("sector"),
            FieldPanel("town"),
        ],
        base_form_class=PartyOrganizationForm,
    )


class MemberViewSet(ScopedSnippetViewSet):
    model = Member
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


class StaffAssignmentViewSet(ScopedSnippetViewSet):
    model = StaffAssignment
    icon = "key"
    menu_label = "工作人员任职"
    list_display = ["user", "role", "school", "organization"]
    list_filter = ["role"]


class OrganizationsGroup(SnippetViewSetGroup):
    menu_label = "党组织与党员"
    menu_icon = "group"
    menu_order = 210
    items = (PartyOrganizationViewSet, MemberViewSet, StaffAssignmentViewSet)


register_snippet(OrganizationsGroup)
