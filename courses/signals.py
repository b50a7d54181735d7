"""Keep the heartbeat path's cached lesson state (courses.selectors.watchable_lesson) and the
catalog's cached URL and cards (courses.selectors.catalog_url, catalog_version) true: whatever
changes whether or how long a lesson plays, or what the catalog shows, forgets the affected
entries."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.images import get_image_model
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from media.models import Video
from teachers.models import Teacher

from .models import CourseIndexPage, CoursePage, LessonPage
from .selectors import catalog_changed, watchable_lessons_forget


def _forget_under(page: Page) -> None:
    """The page itself and every lesson below it (a course or catalog changing state), and the
    catalog's URL (the nav's 课程 link) and cards."""
    catalog_changed()
    lessons = LessonPage.objects.filter(path__startswith=page.path).values_list("pk", flat=True)
    watchable_lessons_forget([page.pk, *lessons])


@receiver(page_published)
@receiver(page_unpublished)
def _page_state_changed(sender, instance, **kwargs):
    _forget_under(instance)


@receiver(post_page_move)
def _page_moved(sender, instance, **kwargs):
    _forget_under(instance)


@receiver(post_save, sender=LessonPage)
@receiver(post_delete, sender=LessonPage)
def _lesson_saved_or_deleted(sender, instance, **kwargs):
    watchable_lessons_forget([instance.pk])
    catalog_changed(url=False)  # a card counts its course's lessons


@receiver(post_save, sender=CoursePage)
def _course_saved(sender, instance, **kwargs):
    _forget_under(instance)


@receiver(post_save, sender=Video)
@receiver(post_delete, sender=Video)
def _video_changed(sender, instance, **kwargs):
    watchable_lessons_forget(LessonPage.objects.filter(video=instance).values_list("pk", flat=True))


@receiver(post_delete, sender=CourseIndexPage)
@receiver(post_delete, sender=CoursePage)
def _catalog_or_course_deleted(sender, instance, **kwargs):
    catalog_changed()


@receiver(post_save, sender=Teacher)
@receiver(post_delete, sender=Teacher)
@receiver(post_save, sender=get_image_model())
@receiver(post_delete, sender=get_image_model())
def _card_content_changed(sender, instance, **kwargs):
    """A card names its course's teachers and shows its cover (the catalog's URL stays)."""
    catalog_changed(url=False)
