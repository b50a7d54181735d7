"""Admin: the organization department edits the year's points rules (writes through
point_rule_save, audited); the ledger is read-only and scoped (entries are only ever added
by lms.points.services)."""

from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from lms.accounts import policy
from lms.accounts.viewsets import ScopedSnippetViewSet

from . import services
from .models import PointEntry, PointRule


class PointRuleViewSet(ScopedSnippetViewSet):
    model = PointRule
    door_scope = "shared"
    writers = staticmethod(policy.may_manage_pool)
    deletable = False  # untick "启用" instead: the year's history stays readable
    icon = "pick"
    menu_label = "积分规则"
    list_display = ["year", "kind", "points", "daily_cap", "min_minutes", "is_active"]
    list_filter = ["year", "kind", "is_active"]
    panels = [
        FieldPanel("year"),
        FieldPanel("kind"),
        FieldPanel("points"),
        FieldPanel("daily_cap"),
        FieldPanel("min_minutes"),
        FieldPanel("is_active"),
        FieldPanel("note"),
    ]

    def save_object(self, user, instance, *, form, creating):
        return services.point_rule_save(rule=instance, actor=user)


class PointEntryViewSet(ScopedSnippetViewSet):
    model = PointEntry
    door_scope = "scoped"
    read_only = True
    copy_view_enabled = False
    site_url = "/points/ranking/"
    icon = "list-ol"
    menu_label = "积分记录"
    list_display = ["member", "day", "kind", "points", "reason"]
    list_filter = ["year", "kind"]
    search_fields = ["reason"]
    inspect_view_enabled = True


class PointsGroup(SnippetViewSetGroup):
    menu_label = "学习积分"
    menu_icon = "pick"
    menu_order = 410
    items = (PointRuleViewSet, PointEntryViewSet)


register_snippet(PointsGroup)
