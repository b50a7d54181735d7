"""What is searchable, and what of it is stored: the one place deciding that nothing reaches
an index that a member may not see.

- lessons and courses: live pages only, under live ancestors, without a view restriction
  (password/login/group-private pages stay out), at most MAX_BODY_CHARS of text;
- teachers: active teachers of the pool only, name/kind/unit/title/biography — never the
  staff-only contact fields (phone, email). Teacher records are shown to staff only
  (search.access.visible_kinds)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.html import strip_tags
from wagtail.models import Page, PageViewRestriction

from courses.models import CoursePage, LessonPage
from teachers.models import Teacher

from .models import SearchKind

MAX_BODY_CHARS = 20_000


@dataclass
class IndexRecord:
    """A searchable object as both backends store it."""

    kind: str
    object_id: int
    title: str
    body: str = ""
    url: str = ""
    module: str = ""
    audiences: list[str] = field(default_factory=list)
    teacher_kind: str = ""
    school_tier: str = ""  # PartySchool.Tier of the offering (course) or home (teacher) school
    staff_only: bool = False
    published: bool = True


def _clean(*parts: str) -> str:
    text = "\n".join(" ".join(strip_tags(p or "").split()) for p in parts if p)
    return text[:MAX_BODY_CHARS]


def _restricted_paths() -> list[str]:
    return list(PageViewRestriction.objects.values_list("page__path", flat=True))


def page_is_public(page: Page, restricted_paths: list[str] | None = None) -> bool:
    """Live, with every ancestor below the root live, and no view restriction on the way."""
    if not page.live:
        return False
    if restricted_paths is None:
        restricted_paths = _restricted_paths()
    if any(page.path.startswith(p) for p in restricted_paths):
        return False
    # Depth 1 is the tree root, depth 2 the site root: neither is published content.
    return not page.get_ancestors().filter(depth__gt=2, live=False).exists()


def _page_url(page: Page) -> str:
    return page.get_url() or page.url_path


def _school_tier(obj: CoursePage | Teacher) -> str:
    return obj.school.tier if obj.school_id else ""


def lesson_record(lesson: LessonPage, course: CoursePage | None = None) -> IndexRecord:
    course = course or lesson.get_parent().specific
    return IndexRecord(
        kind=SearchKind.LESSON,
        object_id=lesson.pk,
        title=lesson.title,
        body=_clean(course.title, lesson.search_description, lesson.body, lesson.transcript),
        url=_page_url(lesson),
        module=course.module,
        audiences=list(course.audiences or []),
        school_tier=_school_tier(course),  # a lesson is offered by its course's school
    )


def course_record(course: CoursePage) -> IndexRecord:
    teachers = ", ".join(t.name for t in course.teachers.all())
    return IndexRecord(
        kind=SearchKind.COURSE,
        object_id=course.pk,
        title=course.title,
        body=_clean(course.summary, course.search_description, teachers),
        url=_page_url(course),
        module=course.module,
        audiences=list(course.audiences or []),
        school_tier=_school_tier(course),
    )


def teacher_record(teacher: Teacher) -> IndexRecord:
    return IndexRecord(
        kind=SearchKind.TEACHER,
        object_id=teacher.pk,
        title=teacher.name,
        body=_clean(teacher.get_kind_display(), teacher.unit, teacher.title, teacher.biography),
        teacher_kind=teacher.kind,
        school_tier=_school_tier(teacher),
        staff_only=True,
    )


def record_for(kind: str, object_id: int) -> IndexRecord | None:
    """The record to store for one object, or None when it must not be searchable (gone,
    unpublished, private, inactive)."""
    if kind == SearchKind.TEACHER:
        teacher = Teacher.objects.filter(pk=object_id, is_active=True).select_related("school").first()
        return teacher_record(teacher) if teacher else None
    model = LessonPage if kind == SearchKind.LESSON else CoursePage
    page = model.objects.filter(pk=object_id).first()
    if page is None or not page_is_public(page):
        return None
    return lesson_record(page) if kind == SearchKind.LESSON else course_record(page)


def all_records() -> Iterator[IndexRecord]:
    """Every searchable object, in few queries (used by full rebuilds)."""
    restricted = _restricted_paths()
    courses = {
        c.path: c for c in CoursePage.objects.select_related("school").prefetch_related("teachers").order_by("path")
    }
    public_courses = {path: c for path, c in courses.items() if page_is_public(c, restricted)}
    for course in public_courses.values():
        yield course_record(course)
    for lesson in LessonPage.objects.live().order_by("path").iterator(chunk_size=500):
        course = public_courses.get(lesson.path[: -Page.steplen])
        if course is None or any(lesson.path.startswith(p) for p in restricted):
            continue
        yield lesson_record(lesson, course)
    teachers = Teacher.objects.filter(is_active=True).select_related("school").order_by("pk")
    for teacher in teachers.iterator(chunk_size=500):
        yield teacher_record(teacher)
