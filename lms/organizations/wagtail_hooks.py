from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from lms.accounts import policy
from lms.accounts import services as account_services
from lms.accounts.models import StaffAssignment
from lms.accounts.viewsets import ScopedSnippetViewSet
from lms.members.wagtail_hooks import MemberViewSet

from .forms import PartyOrganizationForm
from .models import PartyOrganization


class PartyOrganizationViewSet(ScopedSnippetViewSet):
    model = PartyOrganization
    door_scope = "scoped"
    writers = staticmethod(policy.may_manage_pool)
    deletable = False  # members and history hang from it
    copy_view_enabled = False
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


class StaffAssignmentViewSet(ScopedSnippetViewSet):
    model = StaffAssignment
    door_scope = "scoped"
    writers = staticmethod(policy.is_admin)
    copy_view_enabled = False
    icon = "key"
    menu_label = "工作人员任职"
    list_display = ["user", "role", "school", "organization"]
    list_filter = ["role"]

    def save_object(self, user, instance, *, form, creating):
        """Through staff_assign: the role's group and the school's course-page permissions."""
        data = form.cleaned_data
        if not creating:
            account_services.staff_unassign(assignment=StaffAssignment.objects.get(pk=instance.pk))
        return account_services.staff_assign(
            user=data["user"], role=data["role"], school=data.get("school"), organization=data.get("organization")
        )

    def delete_object(self, user, instance):
        account_services.staff_unassign(assignment=instance)


class OrganizationsGroup(SnippetViewSetGroup):
    menu_label = "党组织与党员"
    menu_icon = "group"
    menu_order = 210
    items = (PartyOrganizationViewSet, MemberViewSet, StaffAssignmentViewSet)


register_snippet(OrganizationsGroup)
