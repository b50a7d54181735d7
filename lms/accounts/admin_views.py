"""Wagtail admin views replaced where Wagtail's own would cross the scope.

The site history report (/admin/reports/site-history/) lists Wagtail's log entries of every
model the user holds any permission on — county-wide, member names included. Staff read the
history of their records in the scoped audit log (审计日志); here they keep the page history
(course pages are content every member reads) and administrators see everything."""

from django.contrib.contenttypes.models import ContentType
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.reports.audit_logging import LogEntriesView
from wagtail.models import Page

from . import policy

PROJECT_APPS = (
    "accounts",
    "schools",
    "organizations",
    "members",
    "notifications",
    "audit",
    "training",
    "quotas",
    "roster",
    "portal",
    "courses",
    "lms_media",
    "teachers",
    "search",
    "live",
)


def _scoped_record_types() -> list[int]:
    return [
        ct.pk
        for ct in ContentType.objects.filter(app_label__in=PROJECT_APPS)
        if ct.model_class() is not None and not issubclass(ct.model_class(), Page)
    ]


class ScopedLogEntriesView(LogEntriesView):
    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if policy.is_admin(self.request.user):
            return queryset
        return queryset.exclude(content_type_id__in=_scoped_record_types())


site_history = require_admin_access(ScopedLogEntriesView.as_view())
site_history_results = require_admin_access(ScopedLogEntriesView.as_view(results_only=True))
