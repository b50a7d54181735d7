"""Admin: reflections are read-only and scoped here; members write them and branch secretaries
review them on the site (/reflections/), through lms.reflections.services."""

from wagtail.snippets.models import register_snippet

from lms.accounts.viewsets import ScopedSnippetViewSet

from .models import Reflection


class ReflectionViewSet(ScopedSnippetViewSet):
    model = Reflection
    door_scope = "scoped"
    read_only = True
    copy_view_enabled = False
    site_url = "/reflections/review/"
    icon = "doc-full"
    menu_label = "学习心得"
    menu_order = 420
    add_to_admin_menu = True
    list_display = ["title", "member", "year", "status", "submitted_at", "reviewed_at"]
    list_filter = ["year", "status"]
    search_fields = ["title"]
    inspect_view_enabled = True


register_snippet(ReflectionViewSet)
