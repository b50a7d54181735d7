from __future__ import annotations

from django.db import models

from .models import AuditEntry


def _follow(obj, path: str):
    for name in filter(None, path.split("__")):
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj


def audit_town_of(obj):
    """The town-tier PartySchool `obj` lies in, by the anchors its model declares for scope."""
    from lms.schools.models import PartySchool

    paths = getattr(type(obj), "scope_paths", {}) or {}
    for key in ("town", "school"):
        if key in paths and isinstance(paths[key], str):
            anchor = _follow(obj, paths[key])
            if isinstance(anchor, PartySchool) and anchor.tier == PartySchool.Tier.TOWN:
                return anchor
    return None


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model,
    summary: str = "",
    changes: dict | None = None,
    object_id: str | None = None,
) -> AuditEntry:
    """Append one audit entry; call inside the same transaction as the change it records.
    `object_id` is for deletions, where Django has already cleared the instance's pk."""
    try:
        town = audit_town_of(obj)
    except Exception:  # noqa: BLE001 - a dangling relation of a deleted object must not lose the entry
        town = None
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(object_id if object_id is not None else obj.pk),
        summary=summary[:300],
        changes=changes or {},
        town=town,
    )
