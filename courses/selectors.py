"""Reads for courses: the catalog, a course's lessons, a member's progress and study time."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Length, Substr
from django.urls import reverse
from wagtail.images import get_image_model
from wagtail.models import Page

from lms.caches import forget_now_and_at_commit
from lms.members.models import Member
from lms.quizzes.selectors import required_quizzes_passed
from media.models import Video

from .credit import seconds_to_study_hours
from .models import CourseIndexPage, CoursePage, LessonDocument, LessonPage, StudyDay, StudyProgress

COVER_FILTER = "fill-480x270"


def catalog_courses(
    *, index: CourseIndexPage | None = None, module: str | None = None, audience: str | None = None
) -> QuerySet[CoursePage]:
    """Live courses (under `index` if given) with their live lesson count, teachers and covers.

    `audience` keeps courses for that member category plus courses open to everyone (no
    audiences set)."""
    qs = CoursePage.objects.live()
    if index is not None:
        qs = qs.child_of(index)
    if module:
        qs = qs.filter(module=module)
    if audience:
        # JSON text match works the same on SQLite and PostgreSQL (the list holds plain slugs).
        qs = qs.filter(audiences__icontains=f'"{audience}"') | qs.filter(audiences=[])
    lesson_count = (
        LessonPage.objects.live()
        .filter(path__startswith=OuterRef("path"), depth=OuterRef("depth") + 1)
        .order_by()
        .values("depth")
        .annotate(n=Count("pk"))
        .values("n")
    )
    images = get_image_model().objects.prefetch_renditions(COVER_FILTER)
    return (
        qs.annotate(lesson_count=Coalesce(Subquery(lesson_count, output_field=IntegerField()), Value(0)))
        .select_related("school")
        .prefetch_related("teachers", Prefetch("cover", queryset=images))
        .order_by("path")
    )


def course_lessons(course: CoursePage) -> QuerySet[LessonPage]:
    return LessonPage.objects.live().child_of(course).select_related("video").order_by("path")


def published_lessons() -> QuerySet[LessonPage]:
    """Lessons a member may open: live pages under a live course."""
    live_courses = CoursePage.objects.live().values("path")
    return (
        LessonPage.objects.live()
        .annotate(parent_path=Substr("path", 1, Length("path") - Page.steplen))
        .filter(parent_path__in=live_courses)
        .select_related("video")
    )


@dataclass(frozen=True)
class WatchableLesson:
    """What the heartbeat path needs of a published lesson (the same names as LessonPage)."""

    pk: int
    duration_seconds: float
    is_playable: bool


LESSON_STATE_SECONDS = 60  # in the shared cache; changes forget it at once (courses.signals)
LESSON_STATE_LOCAL_SECONDS = 5  # in each web process, saving a cache round trip per heartbeat
_local_lesson_state: dict[int, tuple[float, tuple]] = {}


CATALOG_URL_KEY = "courses:catalog-url"
CATALOG_URL_SECONDS = 60


def catalog_url(request) -> str:
    """Where the nav's 课程 link goes: the live catalog page itself (not /learn/, whose redirect
    costs a phone on a weak network one more round trip), or /learn/ (its "no catalog yet"
    page) when none is live. Kept in the cache per host for a minute; publishing, unpublishing
    or moving a page forgets it (courses.signals)."""
    host = request.get_host()
    known = cache.get(CATALOG_URL_KEY) or {}
    if host not in known:
        index = CourseIndexPage.objects.live().order_by("path").first()
        known[host] = index.get_url(request) if index is not None else None
        cache.set(CATALOG_URL_KEY, known, CATALOG_URL_SECONDS)
    return known[host] or reverse("courses:catalog")


CATALOG_VERSION_KEY = "courses:catalog-version"
CATALOG_LIST_SECONDS = 60


def catalog_version() -> str:
    """The version of the catalog's course list, part of the key its rendered cards are kept
    under (courses/course_index_page.html, `{% cache %}` for CATALOG_LIST_SECONDS): the list is
    the same for every member, and the catalog is the page members open most. Whatever changes
    a card — a page published, unpublished, moved, saved or deleted, a teacher or a cover
    image saved or deleted — forgets the version (catalog_changed, from courses.signals), so
    the next request renders afresh under a new one. With the shared cache of production
    every process sees that at once; with the embedded per-process cache other processes
    follow within CATALOG_LIST_SECONDS."""
    version = cache.get(CATALOG_VERSION_KEY)
    if version is None:
        cache.add(CATALOG_VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(CATALOG_VERSION_KEY) or "unversioned"
    return version


def catalog_changed(*, url: bool = True) -> None:
    """Forget the catalog's cards (see catalog_version) and, unless `url` is False (a change
    that cannot move the catalog: a teacher, an image, a lesson), its URL — now and again when
    the transaction commits: a request between the two would otherwise keep the old cards,
    read before the commit, under the new version."""
    keys = [CATALOG_VERSION_KEY, CATALOG_URL_KEY] if url else [CATALOG_VERSION_KEY]
    forget_now_and_at_commit(lambda: cache.delete_many(keys))


def _lesson_state_key(pk: int) -> str:
    return f"courses:lesson-state:{pk}"


def watchable_lesson(pk: int) -> WatchableLesson | None:
    """A published lesson's duration and readiness, from the cache (None: not published).

    Heartbeats arrive every 15 s from every viewer; building a Wagtail page for each was
    ~40 % of a heartbeat. Publishing, unpublishing, moving or deleting pages and saving videos
    forget the shared entries at once (courses.signals); other web processes follow within
    LESSON_STATE_LOCAL_SECONDS, and the shared expiry bounds anything missed."""
    remembered = _local_lesson_state.get(pk)
    if remembered is not None and remembered[0] > time.monotonic():
        state = remembered[1]
    else:
        state = _shared_lesson_state(pk)
        _local_lesson_state[pk] = (time.monotonic() + LESSON_STATE_LOCAL_SECONDS, state)
    if not state:
        return None
    return WatchableLesson(pk=pk, duration_seconds=state[0], is_playable=state[1])


def _shared_lesson_state(pk: int) -> tuple:
    key = _lesson_state_key(pk)
    state = cache.get(key)
    if state is None:
        row = published_lessons().filter(pk=pk).values_list("video__status", "video__duration").first()
        if row is None:
            state = ()
        else:
            status, duration = row
            ready = status == Video.Status.READY
            state = (float(duration or 0) if ready else 0.0, bool(ready and (duration or 0) > 0))
        cache.set(key, state, LESSON_STATE_SECONDS)
    return state


def watchable_lessons_forget(lesson_ids) -> None:
    """Forget the lessons' state now and again when the transaction commits: a heartbeat
    between the two would otherwise keep the state it read before the commit (a lesson still
    published) until the shared expiry."""
    lesson_ids = list(lesson_ids)
    keys = [_lesson_state_key(pk) for pk in lesson_ids]

    def forget() -> None:
        for pk in lesson_ids:
            _local_lesson_state.pop(pk, None)
        cache.delete_many(keys)

    forget_now_and_at_commit(forget)


def lesson_documents(lesson: LessonPage) -> list:
    return [
        d.document
        for d in LessonDocument.objects.filter(lesson=lesson).select_related("document").order_by("sort_order")
    ]


def progress_for(member: Member | None, lesson: LessonPage) -> StudyProgress | None:
    if member is None:
        return None
    return StudyProgress.objects.filter(member=member, lesson=lesson).first()


def progress_by_lesson(member: Member | None, lesson_ids: list[int]) -> dict[int, StudyProgress]:
    if member is None or not lesson_ids:
        return {}
    return {p.lesson_id: p for p in StudyProgress.objects.filter(member=member, lesson_id__in=lesson_ids)}


def member_study_seconds(member: Member, *, start: dt.date, end: dt.date) -> float:
    """Credited online-study seconds of one member with start <= day < end."""
    total = StudyDay.objects.filter(member=member, day__gte=start, day__lt=end).aggregate(s=Sum("credited_seconds"))
    return float(total["s"] or 0)


def member_study_hours(member: Member, year: int) -> Decimal:
    return seconds_to_study_hours(member_study_seconds(member, start=dt.date(year, 1, 1), end=dt.date(year + 1, 1, 1)))


def my_progress(member: Member) -> QuerySet[StudyProgress]:
    """The member's progress rows, newest first, with lesson, video and course title in one query."""
    parent_path = Substr(OuterRef("lesson__path"), 1, Length(OuterRef("lesson__path")) - Page.steplen)
    course_title = Page.objects.filter(path=parent_path).values("title")[:1]
    return (
        StudyProgress.objects.filter(member=member, lesson__live=True)
        .select_related("lesson", "lesson__video")
        .annotate(course_title=Subquery(course_title))
        .order_by("-updated_at", "-pk")
    )


@dataclass
class MyLearning:
    in_progress: list[StudyProgress]
    completed: list[StudyProgress]
    year: int
    seconds_this_year: float
    hours_this_year: Decimal
    lessons_completed_this_year: int


def my_learning(member: Member, *, year: int, limit: int = 50) -> MyLearning:
    rows = list(my_progress(member)[: limit * 2])
    seconds = member_study_seconds(member, start=dt.date(year, 1, 1), end=dt.date(year + 1, 1, 1))
    completed_this_year = StudyProgress.objects.filter(member=member, completed_at__year=year).count()
    return MyLearning(
        in_progress=[p for p in rows if p.completed_at is None][:limit],
        completed=[p for p in rows if p.completed_at is not None][:limit],
        year=year,
        seconds_this_year=seconds,
        hours_this_year=seconds_to_study_hours(seconds),
        lessons_completed_this_year=completed_this_year,
    )


def lessons_suggested_for(member: Member, limit: int = 5) -> QuerySet[LessonPage]:
    """Live lessons of courses meant for the member's categories (or for everyone) that the
    member has not completed, in catalog order — what to watch next."""
    courses = CoursePage.objects.live().filter(audiences=[])
    for category in member.categories:
        courses = courses | CoursePage.objects.live().filter(audiences__icontains=f'"{category}"')
    paths = list(courses.values_list("path", flat=True)[:200])
    done = StudyProgress.objects.filter(member=member, completed_at__isnull=False).values("lesson_id")
    qs = published_lessons().exclude(pk__in=done)
    if not paths:
        return qs.none()
    qs = qs.filter(parent_path__in=paths)
    return qs.order_by("path")[:limit]


def course_is_complete(*, lessons_total: int, lessons_completed: int, quiz_required: bool, quiz_passed: bool) -> bool:
    """The course completion rule (the one place): every live lesson completed and, when the
    course requires it, its quiz passed. A course with nothing to do is not complete."""
    if lessons_total == 0 and not quiz_required:
        return False
    return lessons_completed >= lessons_total and (quiz_passed or not quiz_required)


def courses_completed(member: Member | None, course_ids) -> dict[int, bool]:
    """Per course id: has `member` completed it (course_is_complete), in three queries."""
    course_ids = list(course_ids)
    if member is None or not course_ids:
        return {pk: False for pk in course_ids}
    paths = dict(CoursePage.objects.filter(pk__in=course_ids).values_list("path", "pk"))
    lesson_course = dict(published_lessons().filter(parent_path__in=list(paths)).values_list("pk", "parent_path"))
    done = set(
        StudyProgress.objects.filter(
            member=member, completed_at__isnull=False, lesson_id__in=list(lesson_course)
        ).values_list("lesson_id", flat=True)
    )
    totals = {pk: 0 for pk in course_ids}
    completed = {pk: 0 for pk in course_ids}
    for lesson_id, parent_path in lesson_course.items():
        course_id = paths[parent_path]
        totals[course_id] += 1
        completed[course_id] += lesson_id in done
    quizzes = required_quizzes_passed(member, course_ids)
    return {
        pk: course_is_complete(
            lessons_total=totals[pk],
            lessons_completed=completed[pk],
            quiz_required=quizzes.get(pk, (False, True))[0],
            quiz_passed=quizzes.get(pk, (False, True))[1],
        )
        for pk in course_ids
    }


def course_completed(member: Member | None, course: CoursePage) -> bool:
    return courses_completed(member, [course.pk])[course.pk]
