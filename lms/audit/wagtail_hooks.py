"""Every create/edit/delete made in the Wagtail admin (snippets, pages, user accounts) leaves an
audit entry: who, what, when, and for edits the changed fields (old → new). The `before_*`
hooks snapshot the object as stored, because by the `after_*` hook the form has already
changed it (and deletion has cleared its primary key)."""

from __future__ import annotations

import datetime as dt
import decimal

from django.db import models
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet

from lms.accounts.viewsets import ScopedSnippetViewSet

from .models import AuditEntry
from .selectors import audit_entries_visible_to
from .services import audit_record

SECRET_FIELDS = {"password", "token", "secret"}
MAX_VALUE_LENGTH = 200


def _value(value):
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
        return value.name or None
    return str(value)[:MAX_VALUE_LENGTH]


def audit_snapshot(obj: models.Model) -> dict:
    """Concrete field values as JSON-safe data (secrets left out)."""
    snapshot = {}
    for field in obj._meta.concrete_fields:
        if any(word in field.name for word in SECRET_FIELDS):
            continue
        snapshot[field.attname] = _value(field.value_from_object(obj))
    return snapshot


def _diff(before: dict, after: dict) -> dict:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def _stash(request) -> dict:
    if not hasattr(request, "_audit_before"):
        request._audit_before = {}
    return request._audit_before


def _key(obj) -> tuple[str, str]:
    return obj._meta.label_lower, str(obj.pk)


def _remember(request, obj) -> None:
    if request.method == "POST" and obj.pk is not None:
        _stash(request)[_key(obj)] = (obj.pk, str(obj)[:100], audit_snapshot(obj))


def _audited(obj) -> bool:
    return not isinstance(obj, AuditEntry)


def _record_create(request, obj) -> None:
    if _audited(obj):
        audit_record(
            actor=request.user,
            action="create",
            obj=obj,
            summary=f"新建{obj._meta.verbose_name}：{obj}",
            changes={k: [None, v] for k, v in audit_snapshot(obj).items() if v not in (None, "")},
        )


def _record_edit(request, obj, action: str = "edit", label: str = "修改") -> None:
    if not _audited(obj):
        return
    _, _, before = _stash(request).get(_key(obj), (None, None, {}))
    audit_record(
        actor=request.user,
        action=action,
        obj=obj,
        summary=f"{label}{obj._meta.verbose_name}：{obj}",
        changes=_diff(before, audit_snapshot(obj)),
    )


def _record_delete(request, obj) -> None:
    if not _audited(obj):
        return
    key = (obj._meta.label_lower, str(obj.pk)) if obj.pk is not None else None
    stash = _stash(request)
    entry = stash.get(key) if key else None
    if entry is None:  # pk already cleared by delete(): find the snapshot by identity
        entry = next(
            (v for (label, _), v in stash.items() if label == obj._meta.label_lower and v[1] == str(obj)[:100]), None
        )
    pk, name, before = entry if entry else (obj.pk, str(obj), audit_snapshot(obj))
    audit_record(
        actor=request.user,
        action="delete",
        obj=obj,
        object_id=str(pk),
        summary=f"删除{obj._meta.verbose_name}：{name}",
        changes={k: [v, None] for k, v in before.items() if v not in (None, "")},
    )


# --- snippets -----------------------------------------------------------------------------------
@hooks.register("after_create_snippet")
def audit_after_create_snippet(request, instance):
    _record_create(request, instance)


@hooks.register("before_edit_snippet")
def audit_before_edit_snippet(request, instance):
    _remember(request, instance)


@hooks.register("after_edit_snippet")
def audit_after_edit_snippet(request, instance):
    _record_edit(request, instance)


@hooks.register("before_delete_snippet")
def audit_before_delete_snippet(request, instances):
    for obj in instances:
        _remember(request, obj)


@hooks.register("after_delete_snippet")
def audit_after_delete_snippet(request, instances):
    for obj in instances:
        _record_delete(request, obj)


# --- pages --------------------------------------------------------------------------------------
@hooks.register("after_create_page")
def audit_after_create_page(request, page):
    _record_create(request, page.specific)


@hooks.register("before_edit_page")
def audit_before_edit_page(request, page):
    _remember(request, page.specific)


@hooks.register("after_edit_page")
def audit_after_edit_page(request, page):
    _record_edit(request, page.specific)


@hooks.register("before_delete_page")
def audit_before_delete_page(request, page):
    _remember(request, page.specific)


@hooks.register("after_delete_page")
def audit_after_delete_page(request, page):
    _record_delete(request, page.specific)


@hooks.register("after_publish_page")
def audit_after_publish_page(request, page):
    audit_record(actor=request.user, action="publish", obj=page.specific, summary=f"发布页面：{page.title}")


@hooks.register("after_unpublish_page")
def audit_after_unpublish_page(request, page):
    audit_record(actor=request.user, action="unpublish", obj=page.specific, summary=f"取消发布页面：{page.title}")


# --- user accounts ------------------------------------------------------------------------------
@hooks.register("after_create_user")
def audit_after_create_user(request, user):
    _record_create(request, user)


@hooks.register("before_edit_user")
def audit_before_edit_user(request, user):
    _remember(request, user)


@hooks.register("after_edit_user")
def audit_after_edit_user(request, user):
    _record_edit(request, user)


@hooks.register("before_delete_user")
def audit_before_delete_user(request, user):
    _remember(request, user)


@hooks.register("after_delete_user")
def audit_after_delete_user(request, user):
    _record_delete(request, user)


# --- read-only listing --------------------------------------------------------------------------
class AuditEntryViewSet(ScopedSnippetViewSet):
    """The log is append-only: nobody (superusers included) adds, edits or deletes entries."""

    model = AuditEntry
    door_scope = "custom"
    read_only = True
    icon = "history"
    menu_label = "审计日志"
    menu_order = 900
    add_to_admin_menu = True
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = ["created_at", "actor", "action", "object_type", "object_id", "summary", "town"]
    list_filter = ["action", "object_type"]
    search_fields = ["summary", "object_id"]
    list_per_page = 50
    panels = [FieldPanel("summary", read_only=True)]

    def visible_queryset(self, user):
        return audit_entries_visible_to(user)


register_snippet(AuditEntryViewSet)
