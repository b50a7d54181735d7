"""Signal receivers: publish, unpublish, move and delete of lesson/course pages, and teacher
changes, each queue a sync task after commit (search.services.search_sync_enqueue).

A course carries module, audiences and its school's tier for its lessons and hides them when it
is unpublished, so a change to a course re-syncs its lessons too; a school whose tier changes
re-syncs its courses (with their lessons) and teachers."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from wagtail.signals import page_published, page_unpublished, post_page_move

from courses.models import CoursePage, LessonPage
from lms.schools.models import PartySchool
from teachers.models import Teacher

from .models import SearchEntry, SearchKind
from .services import search_sync_enqueue


def _page_kind(page) -> str | None:
    specific_class = page.specific_class
    if specific_class is not None and issubclass(specific_class, LessonPage):
        return SearchKind.LESSON
    if specific_class is not None and issubclass(specific_class, CoursePage):
        return SearchKind.COURSE
    return None


def _sync_page(page) -> None:
    kind = _page_kind(page)
    if kind is None:
        # An ancestor (e.g. the catalog) changed: everything below it may have changed.
        for pk in CoursePage.objects.descendant_of(page).values_list("pk", flat=True):
            search_sync_enqueue(kind=SearchKind.COURSE, object_id=pk)
        for pk in LessonPage.objects.descendant_of(page).values_list("pk", flat=True):
            search_sync_enqueue(kind=SearchKind.LESSON, object_id=pk)
        return
    search_sync_enqueue(kind=kind, object_id=page.pk)
    if kind == SearchKind.COURSE:
        for pk in LessonPage.objects.child_of(page).values_list("pk", flat=True):
            search_sync_enqueue(kind=SearchKind.LESSON, object_id=pk)


def on_page_published(sender, instance, **kwargs):
    _sync_page(instance)


def on_page_unpublished(sender, instance, **kwargs):
    _sync_page(instance)


def on_page_moved(sender, instance, **kwargs):
    _sync_page(instance)


def on_page_deleted(sender, instance, **kwargs):
    kind = SearchKind.LESSON if isinstance(instance, LessonPage) else SearchKind.COURSE
    search_sync_enqueue(kind=kind, object_id=instance.pk)


def on_teacher_changed(sender, instance, **kwargs):
    search_sync_enqueue(kind=SearchKind.TEACHER, object_id=instance.pk)
    if kwargs.get("signal") is post_save:
        # Course records list their teachers' names.
        for pk in CoursePage.objects.filter(teachers=instance).values_list("pk", flat=True):
            search_sync_enqueue(kind=SearchKind.COURSE, object_id=pk)


def on_school_saved(sender, instance, **kwargs):
    """Only the entries that stored another tier are queued: saving a school's address or phone
    costs two queries, not a re-sync of its whole catalog."""
    if kwargs.get("created"):
        return
    stale = SearchEntry.objects.exclude(school_tier=instance.tier)
    course_ids = CoursePage.objects.filter(school=instance).values("pk")
    for course in CoursePage.objects.filter(
        pk__in=stale.filter(kind=SearchKind.COURSE, object_id__in=course_ids).values("object_id")
    ):
        _sync_page(course)
    teacher_ids = Teacher.objects.filter(school=instance).values("pk")
    for pk in stale.filter(kind=SearchKind.TEACHER, object_id__in=teacher_ids).values_list("object_id", flat=True):
        search_sync_enqueue(kind=SearchKind.TEACHER, object_id=pk)


def connect() -> None:
    page_published.connect(on_page_published, dispatch_uid="search.page_published")
    page_unpublished.connect(on_page_unpublished, dispatch_uid="search.page_unpublished")
    post_page_move.connect(on_page_moved, dispatch_uid="search.page_moved")
    post_delete.connect(on_page_deleted, sender=LessonPage, dispatch_uid="search.lesson_deleted")
    post_delete.connect(on_page_deleted, sender=CoursePage, dispatch_uid="search.course_deleted")
    post_save.connect(on_teacher_changed, sender=Teacher, dispatch_uid="search.teacher_saved")
    post_delete.connect(on_teacher_changed, sender=Teacher, dispatch_uid="search.teacher_deleted")
    post_save.connect(on_school_saved, sender=PartySchool, dispatch_uid="search.school_saved")
