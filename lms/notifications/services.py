from django.db import transaction
from django.utils import timezone

from .models import Notification


def notification_send(*, user, kind: str, title: str, key: str, body: str = "", url: str = "") -> Notification:
    """Create the notification once per (user, key); later calls refresh its text but not its read state."""
    with transaction.atomic():
        obj, created = Notification.objects.get_or_create(
            user=user, key=key, defaults={"kind": kind, "title": title, "body": body, "url": url}
        )
        if not created and (obj.title, obj.body, obj.url) != (title, body, url):
            obj.title, obj.body, obj.url = title, body, url
            obj.save(update_fields=["title", "body", "url"])
    return obj


def notification_mark_read(*, user, notification_id: int) -> int:
    return Notification.objects.filter(user=user, pk=notification_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )
