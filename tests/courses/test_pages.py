"""Page tree rules, member pages (catalog filters, lesson access, my learning), query counts."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page

from courses.models import CourseIndexPage, CoursePage, LessonPage
from courses.modules import Module
from courses.services import progress_heartbeat_apply
from lms.members.models import MemberCategory
from teachers.models import Teacher
from tests.factories.courses import make_course, make_index, make_lesson, ready_video, site_root

pytestmark = pytest.mark.django_db


def test_page_tree_rules():
    assert CourseIndexPage.can_create_at(site_root())
    assert not CoursePage.can_create_at(site_root())
    assert not LessonPage.can_create_at(site_root())
    index = make_index()
    course = make_course(index)
    assert CoursePage.can_create_at(index)
    assert not LessonPage.can_create_at(index)
    assert LessonPage.can_create_at(course)
    assert not CoursePage.can_create_at(course)
    lesson = make_lesson(course)
    assert not LessonPage.can_create_at(lesson)
    assert LessonPage.allowed_subpage_models() == []


def test_audiences_accept_only_member_categories():
    course = make_course(make_index(), audiences=["mobile"])
    course.audiences = ["mobile", "nonsense"]
    with pytest.raises(ValidationError):
        course.full_clean()


@pytest.fixture
def catalog(db):
    index = make_index(slug="kecheng")
    general = make_course(index, title="集体学习党章", module=Module.GENERAL)
    secretary = make_course(
        index, title="支部书记工作实务", module=Module.PROFESSIONAL, audiences=[MemberCategory.BRANCH_SECRETARY]
    )
    village = make_course(
        index,
        title="村“两委”履职能力提升",
        module=Module.PROFESSIONAL,
        audiences=[MemberCategory.VILLAGE_COMMITTEE, MemberCategory.BRANCH_SECRETARY],
    )
    thematic = make_course(index, title="乡村振兴专题", module=Module.THEMATIC, audiences=[MemberCategory.ORDINARY])
    draft = make_course(index, title="未发布课程", live=False)
    for course in (general, secretary, village, thematic):
        make_lesson(course, title=f"{course.title}·第一讲")
        make_lesson(course, title=f"{course.title}·第二讲")
    return index, general, secretary, village, thematic, draft


def _titles(response) -> list[str]:
    return [c.title for c in response.context["courses"]]


def test_catalog_requires_login(client, catalog):
    index = catalog[0]
    response = client.get(index.url)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_catalog_lists_live_courses_and_filters(roles, login, catalog):
    index, general, secretary, village, thematic, draft = catalog
    client = login(roles.member_a_user)
    response = client.get(index.url)
    assert response.status_code == 200
    assert set(_titles(response)) == {general.title, secretary.title, village.title, thematic.title}
    assert "未发布课程" not in response.content.decode()
    assert _titles(client.get(index.url, {"module": "professional"})) == [secretary.title, village.title]
    # audience: the category's courses plus courses open to everyone
    assert set(_titles(client.get(index.url, {"audience": "branch_secretary"}))) == {
        general.title,
        secretary.title,
        village.title,
    }
    assert set(_titles(client.get(index.url, {"module": "professional", "audience": "village_committee"}))) == {
        village.title
    }
    # unknown filter values are ignored, not an error
    assert len(_titles(client.get(index.url, {"module": "bogus", "audience": "x"}))) == 4
    counts = {c.title: c.lesson_count for c in response.context["courses"]}
    assert counts[general.title] == 2


def test_learn_redirects_to_the_catalog(roles, login, catalog):
    response = login(roles.member_a_user).get("/learn/?module=thematic")
    assert response.status_code == 302
    assert response["Location"] == catalog[0].url + "?module=thematic"


def _query_count(client, url) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_catalog_query_count_does_not_grow(roles, login, catalog, django_assert_max_num_queries):
    index = catalog[0]
    client = login(roles.member_a_user)
    client.get(index.url)
    small, _ = _query_count(client, index.url)
    teacher = Teacher.objects.create(name="王老师", kind="expert")
    for i in range(6):
        course = make_course(index, title=f"加课{i}")
        course.teachers.add(teacher)
        course.save()
        make_lesson(course)
    client.get(index.url)  # the first request after publishing refills the cached nav and site
    large, response = _query_count(client, index.url)
    assert len(response.context["courses"]) == 10
    assert "王老师" in response.content.decode()
    assert large == small <= 20


def test_lesson_page_member_sees_player_and_resume(roles, login, catalog):
    lesson = LessonPage.objects.get(title="集体学习党章·第一讲")
    member = roles.member_a
    progress_heartbeat_apply(member=member, lesson=lesson, intervals=[], position=0)
    progress_heartbeat_apply(member=member, lesson=lesson, intervals=[], position=42.5)
    response = login(roles.member_a_user).get(lesson.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="lesson-player"' in html
    assert 'data-resume="42.500"' in html
    assert "vendor/hls.js/hls.min.js" in html
    assert 'data-track="1"' in html


def test_lesson_page_anonymous_goes_to_login(client, catalog):
    lesson = LessonPage.objects.first()
    response = client.get(lesson.url)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_lesson_page_refuses_users_without_a_role(roles, login, catalog):
    lesson = LessonPage.objects.first()
    response = login(roles.nobody).get(lesson.url)
    assert response.status_code == 403
    assert "仅对党员开放" in response.content.decode()


def test_staff_preview_does_not_track(roles, login, catalog):
    lesson = LessonPage.objects.first()
    response = login(roles.town_a_staff).get(lesson.url)
    assert response.status_code == 200
    assert 'data-track="0"' in response.content.decode()
    assert "预览模式" in response.content.decode()


def test_lesson_without_ready_video_shows_a_message(roles, login, catalog):
    course = catalog[1]
    video = ready_video()
    video.status = "processing"
    video.progress = 40
    video.save()
    processing = make_lesson(course, title="转码中的课", video=video)
    no_video = make_lesson(course, title="没有视频的课", duration=0)
    client = login(roles.member_a_user)
    html = client.get(processing.url).content.decode()
    assert "正在转码（40%）" in html and 'id="lesson-player"' not in html
    html = client.get(no_video.url).content.decode()
    assert "暂未上传视频" in html


def test_unpublished_lesson_is_not_served(roles, login, catalog):
    lesson = make_lesson(catalog[1], title="草稿", live=False)
    assert login(roles.member_a_user).get(f"{catalog[1].url}{lesson.slug}/").status_code == 404


def test_course_page_lists_lessons_with_my_state(roles, login, catalog):
    general = catalog[1]
    first = LessonPage.objects.get(title="集体学习党章·第一讲")
    progress_heartbeat_apply(member=roles.member_a, lesson=first, intervals=[], position=0)
    response = login(roles.member_a_user).get(general.url)
    html = response.content.decode()
    assert "集体学习党章·第一讲" in html and "集体学习党章·第二讲" in html
    assert "学习中" in html


def test_course_page_names_the_offering_school(roles, login, catalog):
    index, general, secretary = catalog[:3]
    secretary.school = roles.tree.town_a
    secretary.save_revision().publish()
    client = login(roles.member_a_user)
    html = client.get(secretary.url).content.decode()
    assert f"开课党校：{roles.tree.town_a.name}" in html
    html = client.get(general.url).content.decode()
    assert "由组织部统一发布" in html and "开课党校：" not in html


def test_my_learning_page(roles, login, catalog, django_assert_max_num_queries):
    import datetime as dt

    from django.utils import timezone

    member = roles.member_a
    lessons = list(LessonPage.objects.order_by("path"))
    t0 = timezone.now() - dt.timedelta(minutes=10)
    for i, lesson in enumerate(lessons[:5]):
        progress_heartbeat_apply(member=member, lesson=lesson, intervals=[], now=t0)
        end = 100 if i == 0 else 30
        at = t0 + dt.timedelta(seconds=60 * (i + 1))  # one after another: one member, one budget
        progress_heartbeat_apply(member=member, lesson=lesson, intervals=[[0, end]], now=at)
    client = login(roles.member_a_user)
    client.get("/learn/me/")
    with django_assert_max_num_queries(20):
        response = client.get("/learn/me/")
    html = response.content.decode()
    assert response.status_code == 200
    learning = response.context["learning"]
    assert [p.lesson.title for p in learning.completed] == [lessons[0].title]
    assert len(learning.in_progress) == 4
    assert learning.completed[0].watched_percent == 100
    assert {p.watched_percent for p in learning.in_progress} == {30}
    assert 'style="width: 30%"' in html
    assert learning.seconds_this_year == pytest.approx(220)
    assert str(learning.hours_this_year) == "0.08"  # 220 s / 2700 s, rounded down
    assert lessons[0].get_parent().title in html


def test_my_learning_only_for_members(roles, login):
    assert login(roles.town_a_staff).get("/learn/me/").status_code == 403


def test_nav_and_member_panel(roles, login, catalog):
    html = login(roles.member_a_user).get("/").content.decode()
    assert "/learn/me/" in html and "在线学习" in html
    assert "推荐学习" in html


def test_catalog_is_not_shown_when_there_is_none(roles, login):
    Page.objects.type(CourseIndexPage).delete()
    response = login(roles.member_a_user).get("/learn/")
    assert response.status_code == 200
    assert "尚未发布课程" in response.content.decode()


def test_nav_links_to_the_catalog_page_itself_and_follows_it(roles, login, catalog):
    """课程 in the nav is the catalog page (no /learn/ redirect on the way); unpublishing the
    catalog is seen at once (back to /learn/, which says there is no catalog)."""
    client = login(roles.member_a_user)
    index = catalog[0]
    html = client.get("/").content.decode()
    assert f'href="{index.url}"' in html and 'href="/learn/"' not in html
    index.unpublish()
    assert 'href="/learn/"' in client.get("/").content.decode()


def _cards(html: str) -> list[str]:
    import re

    return re.findall(r'<strong class="course-title">([^<]*)</strong>', html)


def test_catalog_cards_are_kept_until_the_catalog_changes(roles, login, catalog):
    """The course cards are the same for every member: the second request renders them from the
    cache (no course, teacher or cover queries), and every change a card shows is seen at once."""
    index, general, secretary, village, thematic, draft = catalog
    client = login(roles.member_a_user)
    first = client.get(index.url)
    with CaptureQueriesContext(connection) as ctx:
        kept = client.get(index.url)
    card_tables = ("courses_coursepage", "wagtailimages")  # the courses, their teachers (a join), covers
    assert not [q["sql"] for q in ctx.captured_queries if any(t in q["sql"] for t in card_tables)]
    assert _cards(kept.content.decode()) == _cards(first.content.decode())
    assert set(_cards(kept.content.decode())) == {general.title, secretary.title, village.title, thematic.title}
    # another member sees the same cards; a filter has its own
    assert _cards(login(roles.member_b_user).get(index.url).content.decode()) == _cards(kept.content.decode())
    assert _cards(client.get(index.url, {"module": "thematic"}).content.decode()) == [thematic.title]

    added = make_course(index, title="新上线课程")
    assert "新上线课程" in _cards(client.get(index.url).content.decode())
    teacher = Teacher.objects.create(name="李讲师", kind="expert")
    general.teachers.add(teacher)
    general.save_revision().publish()
    assert "李讲师" in client.get(index.url).content.decode()
    teacher.name = "李教授"
    teacher.save()
    html = client.get(index.url).content.decode()
    assert "李教授" in html and "李讲师" not in html
    assert "· 3 讲" not in client.get(index.url).content.decode()
    make_lesson(general, title="第三讲")
    assert "· 3 讲" in client.get(index.url).content.decode()
    added.unpublish()
    assert "新上线课程" not in _cards(client.get(index.url).content.decode())
    thematic.delete()
    assert _cards(client.get(index.url, {"module": "thematic"}).content.decode()) == []
    assert thematic.title not in _cards(client.get(index.url).content.decode())


def test_the_catalog_is_forgotten_again_when_the_publishing_transaction_commits(
    roles, login, catalog, django_capture_on_commit_callbacks
):
    """A catalog request between a publish and its commit reads the old cards; the second
    forgetting at commit keeps them from being served under the new version."""
    from django.core.cache import cache

    from courses.selectors import CATALOG_VERSION_KEY, catalog_version

    index = catalog[0]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_course(index, title="提交前读到的课程").save_revision().publish()
        racing = catalog_version()  # a request before the commit fills a new version
    assert cache.get(CATALOG_VERSION_KEY) == racing
    for callback in callbacks:
        callback()
    assert cache.get(CATALOG_VERSION_KEY) is None


def test_a_lessons_state_is_forgotten_again_when_the_unpublishing_transaction_commits(
    catalog, django_capture_on_commit_callbacks
):
    """A heartbeat between an unpublish and its commit reads the lesson as published; the
    second forgetting at commit keeps that from being credited until the shared expiry."""
    from courses import selectors

    lesson = LessonPage.objects.child_of(catalog[1]).first()
    assert selectors.watchable_lesson(lesson.pk) is not None
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        lesson.unpublish()
        # what a heartbeat on another connection, before the commit, would keep
        selectors._local_lesson_state[lesson.pk] = (float("inf"), (100.0, True))
        cache_key = selectors._lesson_state_key(lesson.pk)
        selectors.cache.set(cache_key, (100.0, True))
    assert selectors.watchable_lesson(lesson.pk) is not None
    for callback in callbacks:
        callback()
    assert selectors.watchable_lesson(lesson.pk) is None


def test_a_teacher_or_image_saved_keeps_the_catalogs_url(roles, login, catalog):
    """Saving a teacher (booking one for a class saves it) or an image renews the cards only:
    the nav's catalog link stays cached, so pages far from the catalog do not pay for it."""
    from django.core.cache import cache

    from courses.selectors import CATALOG_URL_KEY, CATALOG_VERSION_KEY, catalog_version

    client = login(roles.member_a_user)
    client.get("/")
    catalog_version()
    assert cache.get(CATALOG_URL_KEY) is not None
    Teacher.objects.create(name="赵老师", kind="expert")
    assert cache.get(CATALOG_URL_KEY) is not None and cache.get(CATALOG_VERSION_KEY) is None
