"""Incremental index updates: publish, unpublish, delete, move, teacher changes — queued after
commit (django_capture_on_commit_callbacks runs them as the commit would)."""

import pytest
from wagtail.models import PageViewRestriction

from search.models import SearchEntry
from search.services import search, search_entry_sync, search_index_rebuild
from teachers.models import Teacher
from tests.factories.search import add_course, add_lesson, build_catalog


def entry(kind, obj):
    return SearchEntry.objects.filter(kind=kind, object_id=obj.pk).first()


@pytest.fixture
def catalog(db):
    cat = build_catalog()
    search_index_rebuild(database_only=True)
    return cat


def test_rebuild_indexes_only_what_members_may_see(catalog):
    assert SearchEntry.objects.filter(kind="course").count() == len(catalog.courses)
    assert SearchEntry.objects.filter(kind="lesson").count() == len(catalog.lessons)
    assert SearchEntry.objects.filter(kind="teacher").count() == len(catalog.teachers)
    assert entry("course", catalog.draft_course) is None
    assert entry("lesson", catalog.draft_lesson) is None
    assert entry("lesson", catalog.private_lesson) is None
    assert entry("teacher", catalog.inactive_teacher) is None
    assert not SearchEntry.objects.filter(body__contains="1380000").exists()
    e = entry("lesson", catalog.lessons["集体学习党章"])
    assert "党章" in e.title_tokens.split() and "党" in e.title_tokens.split()
    assert e.module == "general" and e.audiences == ""
    assert entry("lesson", catalog.lessons["乡村振兴战略解读"]).audiences == " village_committee "


def test_publish_and_unpublish_follow_the_page(catalog, django_capture_on_commit_callbacks):
    course = catalog.courses["法治教育"]
    with django_capture_on_commit_callbacks(execute=True):
        lesson = add_lesson(course, "国家安全法解读", "总体国家安全观", live=False)
    assert entry("lesson", lesson) is None
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        lesson.save_revision().publish()
    assert callbacks, "publishing must queue a sync after commit"
    assert entry("lesson", lesson).title == "国家安全法解读"
    assert search("安全", {}, 1).total == 1
    # an edit published again replaces the entry
    lesson.refresh_from_db()
    lesson.title = "国家安全法专题解读"
    with django_capture_on_commit_callbacks(execute=True):
        lesson.save_revision().publish()
    assert entry("lesson", lesson).title == "国家安全法专题解读"
    lesson.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        lesson.unpublish()
    assert entry("lesson", lesson) is None


def test_unpublishing_a_course_hides_its_lessons(catalog, django_capture_on_commit_callbacks):
    course = catalog.courses["警示教育"]
    with django_capture_on_commit_callbacks(execute=True):
        course.unpublish()
    assert entry("course", course) is None
    for title in ("警示教育案例剖析", "廉政教育专题片观后", "禁毒教育基地参观"):
        assert entry("lesson", catalog.lessons[title]) is None
    course.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        course.save_revision().publish()
    assert entry("course", course) is not None
    assert entry("lesson", catalog.lessons["禁毒教育基地参观"]) is not None


def test_course_change_updates_lessons_module(catalog, django_capture_on_commit_callbacks):
    course = catalog.courses["法治教育"]
    course.module = "general"
    with django_capture_on_commit_callbacks(execute=True):
        course.save_revision().publish()
    assert entry("lesson", catalog.lessons["宪法学习"]).module == "general"


def test_course_school_is_stored_on_its_lessons(catalog, django_capture_on_commit_callbacks):
    assert entry("course", catalog.courses["乡村振兴专题"]).school_tier == "town"
    assert entry("lesson", catalog.lessons["AI助力农业生产"]).school_tier == "town"
    assert entry("lesson", catalog.lessons["宪法学习"]).school_tier == "city"
    assert entry("lesson", catalog.lessons["重温入党誓词"]).school_tier == ""
    course = catalog.courses["警示教育"]
    course.school = catalog.schools["town"]
    with django_capture_on_commit_callbacks(execute=True):
        course.save_revision().publish()
    assert entry("course", course).school_tier == "town"
    for title in ("警示教育案例剖析", "廉政教育专题片观后", "禁毒教育基地参观"):
        assert entry("lesson", catalog.lessons[title]).school_tier == "town", title
    course.refresh_from_db()
    course.school = None
    with django_capture_on_commit_callbacks(execute=True):
        course.save_revision().publish()
    assert entry("lesson", catalog.lessons["禁毒教育基地参观"]).school_tier == ""


def test_a_school_changing_tier_resyncs_its_courses_lessons_and_teachers(catalog, django_capture_on_commit_callbacks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    school = catalog.schools["city"]
    school.address = "新址"
    with django_capture_on_commit_callbacks(execute=True) as callbacks, CaptureQueriesContext(connection) as queries:
        school.save()
    assert callbacks == []  # the tier did not change: nothing to sync
    assert len([q for q in queries.captured_queries if "search_searchentry" in q["sql"]]) == 2  # one look per kind
    school.tier = "town"
    school.parent = catalog.schools["town"]
    with django_capture_on_commit_callbacks(execute=True):
        school.save()
    assert entry("course", catalog.courses["法治教育"]).school_tier == "town"
    assert entry("lesson", catalog.lessons["民法典与农村生活"]).school_tier == "town"
    assert entry("teacher", catalog.teachers["李明华"]).school_tier == "town"
    assert entry("course", catalog.courses["党章党规学习"]).school_tier == ""


def test_teacher_school_change(catalog, django_capture_on_commit_callbacks):
    teacher = catalog.teachers["王建国"]
    assert entry("teacher", teacher).school_tier == ""
    teacher.school = catalog.schools["town"]
    with django_capture_on_commit_callbacks(execute=True):
        teacher.save()
    assert entry("teacher", teacher).school_tier == "town"


def test_delete_removes_entries(catalog, django_capture_on_commit_callbacks):
    course = catalog.courses["党史学习教育"]
    lesson_ids = [catalog.lessons[t].pk for t in ("新民主主义革命时期的党史", "改革开放史专题")]
    with django_capture_on_commit_callbacks(execute=True):
        course.delete()
    assert not SearchEntry.objects.filter(kind="course", object_id=course.pk).exists()
    assert not SearchEntry.objects.filter(kind="lesson", object_id__in=lesson_ids).exists()


def test_view_restriction_added_later_is_honoured_on_next_sync(catalog):
    lesson = catalog.lessons["宪法学习"]
    PageViewRestriction.objects.create(page=lesson, restriction_type=PageViewRestriction.PASSWORD, password="x")
    assert search_entry_sync(kind="lesson", object_id=lesson.pk) is False
    assert entry("lesson", lesson) is None


def test_teacher_changes(catalog, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        teacher = Teacher.objects.create(name="陈新", kind=Teacher.Kind.EXPERT, unit="农业大学", phone="13911112222")
    e = entry("teacher", teacher)
    assert e.staff_only and e.teacher_kind == "expert" and "农业大学" in e.body
    assert "13911112222" not in e.body + e.title + e.title_tokens + e.body_tokens
    teacher.unit = "市农科院"
    with django_capture_on_commit_callbacks(execute=True):
        teacher.save()
    assert "市农科院" in entry("teacher", teacher).body
    teacher.is_active = False
    with django_capture_on_commit_callbacks(execute=True):
        teacher.save()
    assert entry("teacher", teacher) is None
    teacher.is_active = True
    with django_capture_on_commit_callbacks(execute=True):
        teacher.save()
    with django_capture_on_commit_callbacks(execute=True):
        teacher.delete()
    assert not SearchEntry.objects.filter(kind="teacher", object_id__isnull=False, title="陈新").exists()


def test_renaming_a_teacher_updates_their_courses(catalog, django_capture_on_commit_callbacks):
    course = catalog.courses["乡村振兴专题"]
    teacher = catalog.teachers["李明华"]
    course.teachers.add(teacher)
    course.save()
    search_entry_sync(kind="course", object_id=course.pk)
    assert "李明华" in entry("course", course).body
    teacher.name = "李明"
    with django_capture_on_commit_callbacks(execute=True):
        teacher.save()
    body = entry("course", course).body
    assert "李明" in body and "李明华" not in body


def test_rolled_back_changes_queue_nothing(catalog, django_capture_on_commit_callbacks):
    from django.db import transaction

    course = catalog.courses["法治教育"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                add_course(catalog.index, "回滚课程", "general", [], "不会提交").save_revision().publish()
                raise RuntimeError
        except RuntimeError:
            pass
    assert callbacks == []
    assert not SearchEntry.objects.filter(title="回滚课程").exists()
    assert entry("course", course) is not None


def test_demo_step_builds_the_entries(catalog):
    from types import SimpleNamespace

    from search import demo

    SearchEntry.objects.all().delete()
    lines = []
    demo.seed(SimpleNamespace(log=lines.append))
    assert SearchEntry.objects.count() == len(catalog.lessons) + len(catalog.courses) + len(catalog.teachers)
    assert "database search entries" in lines[0]


def test_broker_down_still_updates_the_database_entry(catalog, django_capture_on_commit_callbacks, monkeypatch):
    from search import tasks

    def broken_delay(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.search_sync, "delay", broken_delay)
    with django_capture_on_commit_callbacks(execute=True):
        teacher = Teacher.objects.create(name="周平", kind=Teacher.Kind.LEADER, unit="县委宣传部")
    assert entry("teacher", teacher).body.endswith("县委宣传部")
