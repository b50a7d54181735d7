from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
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
    # 网上展厅: what members see on the teaching point's page (lms/schools/views.py).
    panels = [
        MultiFieldPanel(
            [FieldPanel("name"), FieldRowPanel([FieldPanel("category"), FieldPanel("school")]), FieldPanel("run_by")],
            heading="基本信息",
        ),
        MultiFieldPanel(
            [FieldPanel("description"), FieldPanel("highlights"), FieldPanel("tour_video")],
            heading="网上展厅：简介与视频导览",
        ),
        InlinePanel("photos", heading="网上展厅：照片", label="照片", min_num=0, max_num=12),
        MultiFieldPanel(
            [FieldPanel("address"), FieldRowPanel([FieldPanel("capacity"), FieldPanel("open_hours")])],
            heading="位置与开放",
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("contact_name"), FieldPanel("contact_phone")]),
                FieldPanel("booking_notes"),
            ],
            heading="预约方式",
        ),
        FieldPanel("is_active"),
    ]


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
