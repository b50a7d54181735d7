"""Wagtail admin for the teacher pool, scoped like every viewset (lms.accounts.viewsets).

Department staff (the pool's managers) add and edit teachers here, through teacher_create /
teacher_update (checks, audit); teachers leave the pool by "在库" being unticked, never by
deletion. Roster years and entries are read-only here because every addition and removal
must carry a reason and go through teachers.services (the roster page does that)."""

from django.urls import reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from lms.accounts import policy
from lms.accounts.viewsets import ScopedSnippetViewSet

from . import services
from .models import AssessmentPolicy, EvaluationDimension, RosterEntry, RosterYear, Teacher

TEACHER_FORM_FIELDS = ("name", "kind", "unit", "title", "school", "biography", "photo", "phone", "email", "is_active")


class TeacherViewSet(ScopedSnippetViewSet):
    model = Teacher
    door_scope = "shared"
    writers = staticmethod(policy.may_manage_pool)
    deletable = False
    copy_view_enabled = False
    icon = "user"
    menu_label = "讲师"
    list_display = ["name", "kind", "unit", "title", "school", "is_active"]
    list_filter = ["kind", "school", "is_active"]
    search_fields = ["name", "unit", "title"]
    inspect_view_enabled = True
    panels = [FieldPanel(name) for name in TEACHER_FORM_FIELDS]

    def save_object(self, user, instance, *, form, creating):
        fields = {name: form.cleaned_data[name] for name in TEACHER_FORM_FIELDS if name in form.cleaned_data}
        if fields.get("photo") is None:
            fields.pop("photo", None)
        if creating:
            return services.teacher_create(actor=user, **fields)
        stored = Teacher.objects.get(pk=instance.pk)
        return services.teacher_update(actor=user, teacher=stored, **fields)


class RosterYearViewSet(ScopedSnippetViewSet):
    model = RosterYear
    door_scope = "shared"
    read_only = True
    site_url = "/teachers/roster/"
    icon = "date"
    menu_label = "年度名录"
    list_display = ["year", "copied_from", "opened_by", "opened_at"]
    inspect_view_enabled = True


class RosterEntryViewSet(ScopedSnippetViewSet):
    model = RosterEntry
    door_scope = "shared"
    read_only = True
    site_url = "/teachers/roster/"
    icon = "list-ul"
    menu_label = "名录条目"
    list_display = ["teacher", "roster", "reason", "added_by", "removed_at", "removal_reason"]
    list_filter = ["roster", "teacher__kind"]
    search_fields = ["teacher__name", "reason", "removal_reason"]
    inspect_view_enabled = True


class EvaluationDimensionViewSet(ScopedSnippetViewSet):
    model = EvaluationDimension
    door_scope = "shared"
    writers = staticmethod(policy.may_manage_pool)
    deletable = False  # scores refer to it; untick "启用" instead
    icon = "pick"
    menu_label = "评价维度"
    list_display = ["name", "code", "order", "is_active"]


class AssessmentPolicyViewSet(ScopedSnippetViewSet):
    model = AssessmentPolicy
    door_scope = "shared"
    writers = staticmethod(policy.may_manage_pool)
    icon = "cog"
    menu_label = "年度考核标准"
    list_display = ["year", "score_threshold", "min_sessions", "min_responses"]


class TeachersGroup(SnippetViewSetGroup):
    menu_label = "师资库"
    menu_icon = "group"
    menu_order = 300
    items = (TeacherViewSet, RosterYearViewSet, RosterEntryViewSet, EvaluationDimensionViewSet, AssessmentPolicyViewSet)


register_snippet(TeachersGroup)


class _PoolManagerMenuItem(MenuItem):
    def is_shown(self, request):
        return policy.may_manage_pool(request.user)


@hooks.register("register_admin_menu_item")
def roster_admin_menu_item():
    return _PoolManagerMenuItem("年度名录调整", reverse("teachers:roster-current"), icon_name="date", order=301)


@hooks.register("register_admin_menu_item")
def assessment_admin_menu_item():
    return _PoolManagerMenuItem("讲师年度考核", reverse("teachers:assessment"), icon_name="doc-full", order=302)
