"""Admin entry points: a menu item to the /roster/ workspace, and a read-only review of
import jobs (listing + inspect) scoped like everything else. Jobs are created only through
the workspace, API or command, so the admin offers no add/edit/delete."""

from django.urls import reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from lms.accounts.viewsets import ScopedModelViewSet

from .models import ImportJob
from .selectors import import_jobs_visible_to
from .views import roster_staff


class ImportJobViewSet(ScopedModelViewSet):
    model = ImportJob
    door_scope = "custom"
    read_only = True  # jobs are created only through the workspace, API or command
    site_url = "/roster/"
    icon = "upload"
    menu_label = "导入记录"
    name = "roster_imports"
    add_to_admin_menu = False
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["message"]  # never offered: the policy refuses add/change/delete
    list_display = ["__str__", "created_by", "status", "total_rows", "created_count", "updated_count", "created_at"]
    list_filter = ["kind", "status"]
    inspect_view_fields = [
        "kind",
        "status",
        "original_name",
        "created_by",
        "created_at",
        "confirmed_at",
        "finished_at",
        "total_rows",
        "error_rows",
        "created_count",
        "updated_count",
        "unchanged_count",
        "users_created",
        "missing_count",
        "message",
    ]

    def visible_queryset(self, user):
        return import_jobs_visible_to(user)


import_job_viewset = ImportJobViewSet()


@hooks.register("register_admin_viewset")
def register_import_job_viewset():
    return import_job_viewset


class _RosterMenuItem(MenuItem):
    def is_shown(self, request):
        return roster_staff(request.user)


@hooks.register("register_admin_menu_item")
def register_roster_menu_item():
    return _RosterMenuItem("花名册导入导出", reverse("roster:workspace"), name="roster", icon_name="table", order=260)


class _ImportJobsMenuItem(MenuItem):
    def is_shown(self, request):
        return roster_staff(request.user)


@hooks.register("register_admin_menu_item")
def register_import_jobs_menu_item():
    return _ImportJobsMenuItem(
        "导入记录",
        reverse(import_job_viewset.get_url_name("index")),
        name="roster-imports",
        icon_name="history",
        order=261,
    )
