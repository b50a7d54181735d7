"""Wagtail admin: course/lesson editing forms, and scoped read-only study records."""

import pytest

from courses.models import CoursePage
from courses.services import progress_heartbeat_apply
from tests.factories.courses import make_course, make_index, make_lesson

pytestmark = pytest.mark.django_db


def test_course_can_be_created_in_the_admin_with_audiences(roles, login):
    index = make_index()
    client = login(roles.superuser)
    url = f"/admin/pages/add/courses/coursepage/{index.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "title": "乡村振兴专题",
            "slug": "xiangcun",
            "module": "thematic",
            "audiences": ["village_committee", "branch_secretary"],
            "credit_hours": "2.5",
            "summary": "专题课程",
            "action-publish": "publish",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    course = CoursePage.objects.get(slug="xiangcun")
    assert course.live and course.audiences == ["village_committee", "branch_secretary"]
    assert course.audience_labels == ["村“两委”成员", "支部书记"]


def test_course_school_is_edited_in_the_course_settings(roles, login):
    course = make_course(make_index())
    client = login(roles.superuser)
    html = client.get(f"/admin/pages/{course.pk}/edit/").content.decode()
    assert 'name="school"' in html and "开课党校" in html
    data = {
        "title": course.title,
        "slug": course.slug,
        "module": "general",
        "credit_hours": "2",
        "summary": "课程简介",
        "school": str(roles.tree.town_a.pk),
        "action-publish": "publish",
    }
    response = client.post(f"/admin/pages/{course.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    course.refresh_from_db()
    assert course.school == roles.tree.town_a
    response = client.post(f"/admin/pages/{course.pk}/edit/", {**data, "school": ""})
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.school is None  # optional: published by the organisation department


def test_lesson_edit_form_offers_video_and_courseware(roles, login):
    lesson = make_lesson(make_course(make_index()))
    html = login(roles.superuser).get(f"/admin/pages/{lesson.pk}/edit/").content.decode()
    assert 'name="video"' in html
    assert "documents-TOTAL_FORMS" in html


def test_study_records_are_scoped_to_the_staff_users_town(roles, login):
    lesson = make_lesson(make_course(make_index()))
    progress_heartbeat_apply(member=roles.member_a, lesson=lesson, intervals=[])
    progress_heartbeat_apply(member=roles.member_b, lesson=lesson, intervals=[])
    html = login(roles.town_a_staff).get("/admin/snippets/courses/studyprogress/").content.decode()
    assert roles.member_a.name in html and roles.member_b.name not in html
    other = login(roles.town_b_staff)
    row = roles.member_a.study_progress.get()
    assert other.get(f"/admin/snippets/courses/studyprogress/inspect/{row.pk}/").status_code == 404
