"""Files follow their video: whichever way a row is deleted (service, Wagtail admin, cascade),
its original and outputs are removed once the deletion is committed."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import Video


@receiver(post_delete, sender=Video, dispatch_uid="media_video_files_delete")
def _video_deleted(sender, instance: Video, **kwargs) -> None:
    from .services import video_files_delete

    video_id, original = instance.pk, instance.original.name
    transaction.on_commit(lambda: video_files_delete(video_id=video_id, original_name=original))
