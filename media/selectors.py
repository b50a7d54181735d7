"""Reads for videos."""

from django.db.models import Prefetch, QuerySet

from lms.accounts.scope import scoped

from .models import Rendition, Video


def videos_visible_to(user) -> QuerySet[Video]:
    """Videos the user may manage (every staff user: videos are county-wide shared content),
    with uploader and renditions loaded for listings."""
    return scoped(
        Video.objects.select_related("uploaded_by").prefetch_related(
            Prefetch("renditions", queryset=Rendition.objects.order_by("height"))
        ),
        user,
    )


def videos_ready() -> QuerySet[Video]:
    """Videos that can be played (what a lesson page may show)."""
    return Video.objects.filter(status=Video.Status.READY)
