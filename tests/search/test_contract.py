"""The search contract, run against every available backend: same result shape, same
visibility, same filters/facets/pagination semantics. The database backend always runs;
the Elasticsearch one only when ELASTICSEARCH_URL points at a cluster (none can be
installed on the development machine — its request bodies are tested as data in
test_elasticsearch.py)."""

from __future__ import annotations

import os

import pytest
from django.test import override_settings

from search.models import SearchKind
from search.results import SearchInputError
from search.services import search, search_index_rebuild
from tests.factories.search import add_lesson, build_catalog

ES_URL = os.environ.get("ELASTICSEARCH_URL", "")

BACKENDS = [
    pytest.param("database", id="database"),
    pytest.param(
        "elasticsearch",
        id="elasticsearch",
        marks=pytest.mark.skipif(not ES_URL, reason="ELASTICSEARCH_URL not set: no cluster to test against"),
    ),
]


@pytest.fixture(params=BACKENDS)
def backend(request, db, roles):
    url = ES_URL if request.param == "elasticsearch" else ""
    with override_settings(ELASTICSEARCH_URL=url):
        cat = build_catalog()
        add_lesson(cat.courses["党章党规学习"], "党章问答<第一期>", "问 & 答：党章里的“四个服从”。")
        search_index_rebuild()
        yield request.param, cat, roles


def keys(cat, result):
    return [cat.key(h.kind, h.id) for h in result.hits]


def test_result_shape_and_highlight(backend):
    name, cat, roles = backend
    result = search("誓词", {}, 1, user=roles.member_a_user)
    assert result.backend == name and not result.degraded
    assert result.total == 1 and result.page == 1 and result.pages == 1
    hit = result.hits[0]
    lesson = cat.lessons["重温入党誓词"]
    assert (hit.kind, hit.id, hit.title) == ("lesson", lesson.pk, "重温入党誓词")
    assert hit.url.endswith(lesson.url_path.split("/", 2)[-1])
    assert hit.title_html == "重温入党<mark>誓词</mark>"
    assert hit.score > 0
    assert hit.module == "general"
    assert hit.school_tier == ""  # 党章党规学习 is published by the organisation department
    assert result.facets["kind"][0].value == "lesson" and result.facets["kind"][0].count == 1
    assert list(result.facets) == ["kind", "module", "school_tier"] and result.facets["school_tier"] == []


def test_text_is_escaped_around_marks(backend):
    name, cat, roles = backend
    result = search("问答", {}, 1, user=roles.member_a_user)
    hit = next(h for h in result.hits if h.title.startswith("党章问答"))
    assert "<mark>问答</mark>" in hit.title_html
    assert "&lt;第一期&gt;" in hit.title_html and "<第" not in hit.title_html
    result = search("四个服从", {}, 1, user=roles.member_a_user)
    snippet = result.hits[0].snippet
    assert "<mark>四个服从</mark>" in snippet and "&amp;" in snippet


def test_pagination(backend):
    name, cat, roles = backend
    first = search("党", {}, 1, user=roles.member_a_user, page_size=4)
    assert first.total > 8
    assert first.pages == -(-first.total // 4)
    second = search("党", {}, 2, user=roles.member_a_user, page_size=4)
    assert len(first.hits) == len(second.hits) == 4
    assert not {(h.kind, h.id) for h in first.hits} & {(h.kind, h.id) for h in second.hits}
    beyond = search("党", {}, first.pages + 1, user=roles.member_a_user, page_size=4)
    assert beyond.hits == [] and beyond.total == first.total


def test_facets_count_under_the_other_filters(backend):
    name, cat, roles = backend
    result = search("乡村", {}, 1, user=roles.member_a_user)
    kinds = {f.value: f.count for f in result.facets["kind"]}
    modules = {f.value: f.count for f in result.facets["module"]}
    # Four lessons: two say 乡村 in their title, two more sit under the course 乡村振兴专题
    # (a lesson's record carries its course title).
    assert kinds == {"lesson": 4, "course": 1}
    assert modules == {"thematic": 5}
    # Filtering by kind narrows the hits but keeps the kind facet's other options countable.
    lessons = search("乡村", {"kind": "lesson"}, 1, user=roles.member_a_user)
    assert lessons.total == 4 and {h.kind for h in lessons.hits} == {"lesson"}
    assert {f.value: f.count for f in lessons.facets["kind"]} == {"lesson": 4, "course": 1}
    assert {f.value: f.count for f in lessons.facets["module"]} == {"thematic": 4}


def test_members_do_not_find_teachers_staff_do(backend):
    name, cat, roles = backend
    assert search("李明华", {}, 1, user=roles.member_a_user).total == 0
    with pytest.raises(SearchInputError, match="没有查看"):
        search("李明华", {"kind": "teacher"}, 1, user=roles.member_a_user)
    for staff in (roles.town_a_staff, roles.town_b_staff, roles.department, roles.superuser):
        result = search("李明华", {}, 1, user=staff)
        assert keys(cat, result) == ["teacher:李明华"]
        assert result.hits[0].teacher_kind == "expert"
    assert search("乡村振兴", {}, 1, user=roles.nobody).total == 0  # no role: nothing


def test_nothing_private_is_found(backend):
    name, cat, roles = backend
    ids = {(h.kind, h.id) for h in search("党章", {}, 1, user=roles.superuser, page_size=50).hits}
    assert ("course", cat.draft_course.pk) not in ids
    assert ("lesson", cat.draft_lesson.pk) not in ids
    assert ("lesson", cat.private_lesson.pk) not in ids
    assert search("13800000000", {}, 1, user=roles.superuser).total == 0
    assert search("赵停用", {}, 1, user=roles.superuser).total == 0


def counts(facet):
    return {f.value: f.count for f in facet}


def test_school_tier_filter(backend):
    name, cat, roles = backend
    member = roles.member_a_user
    town = search("", {"school_tier": "town"}, 1, user=member, page_size=50)
    # 乡村振兴专题 (4 lessons) and 村两委干部实务 (2 lessons) are offered by the town school;
    # lessons carry their course's school.
    assert {cat.key(h.kind, h.id) for h in town.hits} == {
        "course:乡村振兴专题",
        "lesson:乡村振兴战略解读",
        "lesson:5G赋能乡村数字化",
        "lesson:AI助力农业生产",
        "lesson:农村集体经济发展",
        "course:村两委干部实务",
        "lesson:村务公开与民主管理",
        "lesson:基层矛盾纠纷调解",
    }
    assert town.total == 8 and {h.school_tier for h in town.hits} == {"town"}
    city = search("", {"school_tier": "city", "kind": "course"}, 1, user=member, page_size=50)
    assert sorted(keys(cat, city)) == ["course:党史学习教育", "course:法治教育"]
    # with words and another filter; courses without a school are in neither tier
    assert keys(cat, search("乡村", {"school_tier": "town", "kind": "course"}, 1, user=member)) == [
        "course:乡村振兴专题"
    ]
    assert search("宪法", {"school_tier": "city"}, 1, user=member).total == 1
    assert search("宪法", {"school_tier": "town"}, 1, user=member).total == 0
    assert search("誓词", {"school_tier": "city"}, 1, user=member).total == 0
    assert search("誓词", {"school_tier": "town"}, 1, user=member).total == 0
    # staff: a teacher's tier is their own school's
    staff = roles.town_a_staff
    assert keys(cat, search("", {"kind": "teacher", "school_tier": "town"}, 1, user=staff)) == ["teacher:张秀英"]
    assert keys(cat, search("", {"kind": "teacher", "school_tier": "city"}, 1, user=staff)) == ["teacher:李明华"]


def test_school_tier_facet_counts_under_the_other_filters(backend):
    name, cat, roles = backend
    member = roles.member_a_user
    everything = search("", {}, 1, user=member)
    # town: 2 courses + 6 lessons; city: 党史学习教育 and 法治教育 with 2 lessons each
    assert counts(everything.facets["school_tier"]) == {"city": 6, "town": 8}
    assert [(f.value, f.label) for f in everything.facets["school_tier"]] == [
        ("city", "市(县)委党校"),
        ("town", "镇街党校"),
    ]
    town = search("", {"school_tier": "town"}, 1, user=member)
    # its own filter does not narrow the tier facet; it narrows the others
    assert counts(town.facets["school_tier"]) == {"city": 6, "town": 8}
    assert counts(town.facets["kind"]) == {"lesson": 6, "course": 2}
    assert counts(town.facets["module"]) == {"thematic": 5, "professional": 3}
    # the other filters narrow the tier facet
    courses = search("", {"kind": "course", "module": "thematic"}, 1, user=member)
    assert counts(courses.facets["school_tier"]) == {"city": 1, "town": 1}  # 法治教育, 乡村振兴专题
    rural = search("乡村", {"school_tier": "city"}, 1, user=member)
    assert rural.total == 0 and rural.hits == []
    assert counts(rural.facets["school_tier"]) == {"town": 5}
    assert rural.facets["kind"] == [] and rural.facets["module"] == []
    staff = search("", {"kind": "teacher"}, 1, user=roles.department)
    assert counts(staff.facets["school_tier"]) == {"city": 1, "town": 1}


@pytest.mark.parametrize(
    "filters,page,message",
    [
        ({"module": "bogus"}, 1, "教学模块"),
        ({"kind": "video"}, 1, "类型"),
        ({"audience": "x"}, 1, "适用对象"),
        ({"teacher_kind": "god"}, 1, "讲师类别"),
        ({"school_tier": "county"}, 1, "党校层级"),
        ({"school_tier": "TOWN"}, 1, "党校层级"),
        ({}, "abc", "页码"),
        ({}, "0", "页码"),
        ({}, "100000", "最多"),
    ],
)
def test_bad_input_is_refused_in_chinese(backend, filters, page, message):
    name, cat, roles = backend
    with pytest.raises(SearchInputError, match=message):
        search("党章", filters, page, user=roles.member_a_user)


def test_kind_values_are_the_contract(backend):
    name, cat, roles = backend
    result = search("", {"kind": "course"}, 1, user=roles.member_a_user, page_size=50)
    assert {h.kind for h in result.hits} == {SearchKind.COURSE}
    assert result.total == len(cat.courses)
