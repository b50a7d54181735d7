"""Admin for quota settings and warnings, read-only and scoped: a year's rules and thresholds
are opened and changed on the site's rules page (/progress/rules/, quota_year_open and
quota_rule_update, with their checks and audit); warnings are computed, never edited."""

from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from lms.accounts.viewsets import ScopedSnippetViewSet

from .models import QuotaRule, QuotaYear, Warning


class QuotaYearViewSet(ScopedSnippetViewSet):
    model = QuotaYear
    door_scope = "shared"
    read_only = True
    site_url = "/progress/rules/"
    icon = "date"
    menu_label = "年度设置"
    list_display = ["year", "at_risk_from", "coverage_warning_share"]
    panels = [FieldPanel("year"), FieldPanel("at_risk_from"), FieldPanel("coverage_warning_share")]


class QuotaRuleViewSet(ScopedSnippetViewSet):
    model = QuotaRule
    door_scope = "shared"
    read_only = True
    site_url = "/progress/rules/"
    icon = "list-ul"
    menu_label = "年度指标规则"
    list_display = ["year", "category", "kind", "required", "min_school_tier", "window_years"]
    list_filter = ["year", "category", "kind"]
    panels = [
        FieldPanel("year"),
        FieldPanel("category"),
        FieldPanel("kind"),
        FieldPanel("required"),
        FieldPanel("min_school_tier"),
        FieldPanel("window_years"),
        FieldPanel("source"),
    ]


class WarningViewSet(ScopedSnippetViewSet):
    model = Warning
    door_scope = "scoped"
    read_only = True
    copy_view_enabled = False
    site_url = "/progress/warnings/"
    icon = "warning"
    menu_label = "预警"
    list_display = ["title", "kind", "year", "town", "updated_at", "resolved_at"]
    list_filter = ["kind", "year"]
    search_fields = ["title"]
    inspect_view_enabled = True


class QuotasGroup(SnippetViewSetGroup):
    menu_label = "学习培训指标"
    menu_icon = "tasks"
    menu_order = 400
    items = (QuotaYearViewSet, QuotaRuleViewSet, WarningViewSet)


register_snippet(QuotasGroup)
