"""Wagtail admin for 收看点 (plain CRUD inside the scope) and live broadcasts (read-only:
setting a session live, keys and headcounts go through the /live/ pages and services)."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from lms.accounts.viewsets import ScopedSnippetViewSet

from .models import LiveBroadcast, ViewingSite


class ViewingSiteViewSet(ScopedSnippetViewSet):
    model = ViewingSite
    door_scope = "scoped"
    icon = "site"
    menu_label = "收看点"
    list_display = ["name", "kind", "school", "capacity", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "address"]


class LiveBroadcastViewSet(ScopedSnippetViewSet):
    model = LiveBroadcast
    door_scope = "scoped"
    read_only = True
    site_url = "/live/"
    icon = "media"
    menu_label = "直播"
    list_display = ["__str__", "status", "started_at", "ended_at", "recording_status"]
    list_filter = ["status", "recording_status"]
    inspect_view_enabled = True
    inspect_view_fields = ["session", "stream_name", "status", "started_at", "ended_at", "recording_status"]


class LiveViewSetGroup(SnippetViewSetGroup):
    menu_label = "直播课堂"
    menu_icon = "media"
    items = (ViewingSiteViewSet, LiveBroadcastViewSet)


register_snippet(LiveViewSetGroup)
