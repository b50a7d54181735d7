from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from lms.accounts import policy
from lms.accounts.viewsets import ScopedSnippetViewSet

from .models import PartySchool, Room, TeachingPoint


class PartySchoolViewSet(ScopedSnippetViewSet):
    model = PartySchool
    door_scope = "scoped"
    chooser = True  # course pages and staff assignments pick a school
    copy_view_enabled = False
    icon = "home"
    menu_label = "党校"
    list_display = ["name", "tier", "parent", "region"]
    list_filter = ["tier"]
    search_fields = ["name", "region"]


class TeachingPointViewSet(ScopedSnippetViewSet):
    model = TeachingPoint
    door_scope = "scoped"
    writers = staticmethod(policy.may_manage_schools)
    icon = "site"
    menu_label = "基层教学点"
    list_display = ["name", "category", "school", "capacity", "is_active"]
    list_filter = ["category", "school", "is_active"]
    search_fields = ["name", "run_by"]


class RoomViewSet(ScopedSnippetViewSet):
    """A school's rooms (教室): sessions book them like teachers (lms.training.rules)."""

    model = Room
    door_scope = "scoped"
    writers = staticmethod(policy.may_manage_schools)
    icon = "table"
    menu_label = "教室"
    list_display = ["name", "school", "capacity", "is_active"]
    list_filter = ["school", "is_active"]
    search_fields = ["name"]


class SchoolsGroup(SnippetViewSetGroup):
    menu_label = "三级党校"
    menu_icon = "home"
    menu_order = 200
    items = (PartySchoolViewSet, TeachingPointViewSet, RoomViewSet)


register_snippet(SchoolsGroup)
