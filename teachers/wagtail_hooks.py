"""Wagtail admin for the teacher pool. Teachers, evaluation dimensions and assessment
thresholds are edited here; roster entries are read-only here because every addition and
removal must carry a reason and go through teachers.services (the roster page does that)."""

from django.urls import reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from lms.accounts.scope import scope_for
from lms.accounts.viewsets import ScopedSnippetViewSet

from .models import AssessmentPolicy, EvaluationDimension, RosterEntry, RosterYear, Teacher


class ReadOnlyPolicy(ModelPermissionPolicy):
    def user_has_permission(self, user, action):
        if action in ("add", "change", "delete"):
            return False
        return super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        actions = [a for a in actions if a not in ("add", "change", "delete")]
        if not actions:
            return self.user_model._default_manager.none()
        return super().users_with_any_permission(actions)


class TeacherViewSet(ScopedSnippetViewSet):
    model = Teacher
    icon = "user"
    menu_label = "讲师"
    list_display = ["name", "kind", "unit", "title", "school", "is_active"]
    list_filter = ["kind", "school", "is_active"]
    search_fields = ["name", "unit", "title"]
    inspect_view_enabled = True


class RosterYearViewSet(ScopedSnippetViewSet):
    model = RosterYear
    icon = "date"
    menu_label = "年度名录"
    list_display = ["year", "copied_from", "opened_by", "opened_at"]
    inspect_view_enabled = True


class RosterEntryViewSet(ScopedSnippetViewSet):
    model = RosterEntry
    icon = "list-ul"
    menu_label = "名录条目"
    list_display = ["teacher", "roster", "reason", "added_by", "removed_at", "removal_reason"]
    list_filter = ["roster", "teacher__kind"]
    search_fields = ["teacher__name", "reason", "removal_reason"]
    inspect_view_enabled = True


class EvaluationDimensionViewSet(ScopedSnippetViewSet):
    model = EvaluationDimension
    icon = "pick"
    menu_label = "评价维度"
    list_display = ["name", "code", "order", "is_active"]


class AssessmentPolicyViewSet(ScopedSnippetViewSet):
    model = AssessmentPolicy
    icon = "cog"
    menu_label = "年度考核标准"
    list_display = ["year", "score_threshold", "min_sessions", "min_responses"]


class TeachersGroup(SnippetViewSetGroup):
    menu_label = "师资库"
    menu_icon = "group"
    menu_order = 300
    items = (TeacherViewSet, RosterYearViewSet, RosterEntryViewSet, EvaluationDimensionViewSet, AssessmentPolicyViewSet)


register_permission_policy(RosterYear, ReadOnlyPolicy(RosterYear))
register_permission_policy(RosterEntry, ReadOnlyPolicy(RosterEntry))
register_snippet(TeachersGroup)


class _PoolManagerMenuItem(MenuItem):
    def is_shown(self, request):
        return scope_for(request.user).can_manage_pool


@hooks.register("register_admin_menu_item")
def roster_admin_menu_item():
    return _PoolManagerMenuItem("年度名录调整", reverse("teachers:roster-current"), icon_name="date", order=301)


@hooks.register("register_admin_menu_item")
def assessment_admin_menu_item():
    return _PoolManagerMenuItem("讲师年度考核", reverse("teachers:assessment"), icon_name="doc-full", order=302)
