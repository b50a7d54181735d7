"""Admin: members' online-study records, read-only and scoped to the staff user's towns/subtree
(progress is written only by heartbeats, never edited by hand)."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from lms.accounts.viewsets import ScopedSnippetViewSet

from .models import StudyDay, StudyProgress


class StudyProgressViewSet(ScopedSnippetViewSet):
    model = StudyProgress
    door_scope = "scoped"
    read_only = True
    icon = "doc-full"
    menu_label = "学习进度"
    list_display = ["member", "lesson", "watched_seconds", "completed_at", "updated_at"]
    list_filter = ["completed_at"]
    inspect_view_enabled = True
    copy_view_enabled = False
    search_fields = ["member__name", "member__member_no"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member", "lesson")


class StudyDayViewSet(ScopedSnippetViewSet):
    model = StudyDay
    door_scope = "scoped"
    read_only = True
    icon = "date"
    menu_label = "在线学习日记录"
    list_display = ["member", "lesson", "day", "credited_seconds"]
    list_filter = ["day"]
    inspect_view_enabled = True
    copy_view_enabled = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member", "lesson")


class OnlineStudyGroup(SnippetViewSetGroup):
    menu_label = "在线学习"
    menu_icon = "media"
    menu_order = 320
    items = (StudyProgressViewSet, StudyDayViewSet)


register_snippet(OnlineStudyGroup)
