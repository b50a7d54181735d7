"""Course pages, videos and progress for tests. Videos made here are rows marked ready (no
files) — enough for the watch rules; the browser test processes a real clip instead."""

from __future__ import annotations

import itertools

from django.conf import settings
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page, Site

from courses.models import CourseIndexPage, CoursePage, LessonPage
from courses.modules import Module
from media.models import Video

_seq = itertools.count(1)


def ready_video(*, duration: float = 100.0, title: str | None = None) -> Video:
    n = next(_seq)
    return Video.objects.create(
        title=title or f"测试视频{n}",
        original=f"videos/originals/test{n}.mp4",
        status=Video.Status.READY,
        progress=100,
        duration=duration,
        width=640,
        height=360,
        master_playlist=f"videos/{n}/r1/master.m3u8",
        mp4=f"videos/{n}/r1/video.mp4",
        poster=f"videos/{n}/r1/poster.jpg",
    )


def site_root() -> Page:
    """The default site's root page; recreated when a transactional test flushed Wagtail's
    initial data."""
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is not None:
        return site.root_page
    Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    home = root.add_child(instance=Page(title="首页", slug="home"))
    Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
    return home


def make_index(title: str = "课程中心", slug: str | None = None) -> CourseIndexPage:
    root = site_root()
    return root.add_child(instance=CourseIndexPage(title=title, slug=slug or f"courses-{next(_seq)}"))


def make_course(
    index: CourseIndexPage,
    *,
    title: str | None = None,
    module: str = Module.GENERAL,
    audiences: list[str] | None = None,
    credit_hours: float = 2,
    live: bool = True,
    school=None,
) -> CoursePage:
    n = next(_seq)
    course = index.add_child(
        instance=CoursePage(
            title=title or f"测试课程{n}",
            slug=f"course-{n}",
            module=module,
            audiences=audiences or [],
            credit_hours=credit_hours,
            summary="课程简介",
            live=live,
            school=school,
        )
    )
    return course


def make_lesson(
    course: CoursePage, *, title: str | None = None, video: Video | None = None, duration: float = 100.0, live=True
) -> LessonPage:
    n = next(_seq)
    if video is None and duration:
        video = ready_video(duration=duration)
    return course.add_child(
        instance=LessonPage(
            title=title or f"第{n}讲", slug=f"lesson-{n}", video=video, body="<p>课程内容</p>", live=live
        )
    )
