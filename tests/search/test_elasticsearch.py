"""Elasticsearch without a cluster: mappings, analysis settings and query bodies as data, and
the index lifecycle (versioned index, bulk load, atomic alias swap) against a recording fake
of the REST API (tests/search/fake_es.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings
from elasticsearch_dsl import Search
from elasticsearch_dsl.response import Response

from search.backends import elasticsearch as es_backend
from search.documents import DOCUMENTS, CourseSearchDocument, LessonSearchDocument, alias_name, text_analyzers
from search.health import search_status
from search.results import SearchFilters
from search.services import ES_DOWN_KEY, search, search_index_rebuild
from tests.factories.search import add_lesson, build_catalog
from tests.search import fake_es

ROOT = Path(__file__).resolve().parents[2]


# --- mappings and settings ------------------------------------------------------------------
def test_index_settings_chinese_analyzer():
    index = LessonSearchDocument._index.to_dict()
    analysis = index["settings"]["analysis"]
    assert analysis["analyzer"]["zh_cjk"] == {
        "type": "custom",
        "tokenizer": "standard",
        "filter": ["cjk_width", "lowercase", "zh_cjk_bigram"],
    }
    assert analysis["filter"]["zh_cjk_bigram"] == {"type": "cjk_bigram", "output_unigrams": True}
    props = index["mappings"]["properties"]
    assert props["title"]["analyzer"] == props["body"]["analyzer"] == "zh_cjk"
    assert props["title"]["fields"]["raw"]["type"] == "keyword"
    for name in ("kind", "module", "audiences", "teacher_kind", "school_tier"):
        assert props[name] == {"type": "keyword"}, name
    assert props["published"] == {"type": "boolean"} and props["staff_only"] == {"type": "boolean"}
    assert props["suggest"]["type"] == "completion"
    assert props["title_prefix"]["type"] == "search_as_you_type"
    assert props["url"] == {"type": "keyword", "index": False}


def test_documents_are_aliases_per_kind():
    assert LessonSearchDocument._index._name == alias_name("lesson") == "lms-lessons"
    assert CourseSearchDocument._index._name == "lms-courses"
    assert set(DOCUMENTS) == {"lesson", "course", "teacher"}
    name = es_backend.versioned_name("lesson", "20260101120000")
    assert name == "lms-lessons-v20260101120000"


@pytest.mark.parametrize(
    "setting,index_an,search_an",
    [("smartcn", "smartcn", "smartcn"), ("ik", "ik_max_word", "ik_smart")],
)
def test_analyzer_switch_by_setting(setting, index_an, search_an):
    assert text_analyzers(setting) == (index_an, search_an)
    # The documents read the setting at import: check a fresh process's mapping.
    code = (
        "import django, json; django.setup(); from search.documents import LessonSearchDocument as D; "
        "print(json.dumps(D._index.to_dict()))"
    )
    env = {**os.environ, "ELASTICSEARCH_ANALYZER": setting, "DJANGO_SETTINGS_MODULE": "lms.settings.test"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    index = json.loads(out.stdout.strip().splitlines()[-1])
    title = index["mappings"]["properties"]["title"]
    assert (title["analyzer"], title["search_analyzer"]) == (index_an, search_an)
    assert "zh_cjk" not in index["settings"].get("analysis", {}).get("analyzer", {})


def test_unknown_analyzer_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        text_analyzers("whitespace")


# --- query bodies -----------------------------------------------------------------------------
def test_query_body_for_a_member():
    s = es_backend.build_search(
        query="乡村振兴",
        filters=SearchFilters(module="thematic", audience="village_committee"),
        kinds=["lesson", "course"],
        page=2,
        page_size=10,
    )
    body = s.to_dict()
    assert s._index == ["lms-lessons", "lms-courses"]
    assert body["from"] == 10 and body["size"] == 10
    query = body["query"]["bool"]
    assert query["must"] == [
        {"multi_match": {"query": "乡村振兴", "fields": ["title^3", "body"], "type": "cross_fields", "operator": "and"}}
    ]
    assert {"match_phrase": {"title": {"query": "乡村振兴", "boost": 5}}} in query["should"]
    # visibility is a query filter (not only a post_filter): never counted in facets either
    assert query["filter"] == [{"terms": {"kind": ["lesson", "course"]}}, {"term": {"published": True}}]
    post = body["post_filter"]["bool"]["filter"]
    assert {"term": {"module": "thematic"}} in post
    assert {"terms": {"kind": ["lesson", "course"]}} in post
    assert {
        "bool": {
            "should": [
                {"term": {"audiences": "village_committee"}},
                {"bool": {"must_not": [{"exists": {"field": "audiences"}}]}},
            ]
        }
    } in post
    # the module facet counts under the other filters only (not its own)
    module_agg = body["aggs"]["module_facet"]
    assert {"term": {"module": "thematic"}} not in module_agg["filter"]["bool"]["filter"]
    assert module_agg["aggs"]["values"] == {"terms": {"field": "module", "size": 20}}
    kind_agg = body["aggs"]["kind_facet"]
    assert {"term": {"module": "thematic"}} in kind_agg["filter"]["bool"]["filter"]
    hl = body["highlight"]
    assert hl["fields"]["title"]["pre_tags"] == ["<mark>"] and hl["fields"]["body"]["encoder"] == "html"
    assert body["track_total_hits"] is True


def test_query_body_filters_and_facets_by_school_tier():
    body = es_backend.build_search(
        query="党章",
        filters=SearchFilters(kind="lesson", school_tier="town"),
        kinds=["lesson", "course"],
        page=1,
        page_size=10,
    ).to_dict()
    assert body["post_filter"] == {
        "bool": {"filter": [{"term": {"kind": "lesson"}}, {"term": {"school_tier": "town"}}]}
    }
    aggs = body["aggs"]
    assert list(aggs) == ["kind_facet", "module_facet", "school_tier_facet"]
    tier_agg = aggs["school_tier_facet"]
    # counted under the other filters (kind), not under its own
    assert tier_agg["filter"] == {"bool": {"filter": [{"term": {"kind": "lesson"}}]}}
    assert tier_agg["aggs"]["values"] == {"terms": {"field": "school_tier", "size": 20}}
    assert aggs["kind_facet"]["filter"] == {"bool": {"filter": [{"term": {"school_tier": "town"}}]}}
    assert {"term": {"school_tier": "town"}} in aggs["module_facet"]["filter"]["bool"]["filter"]
    assert "school_tier" in body["_source"]


def test_document_carries_the_school_tier():
    from search.sources import IndexRecord

    doc = LessonSearchDocument.from_record(
        IndexRecord(kind="lesson", object_id=3, title="乡村振兴战略解读", module="thematic", school_tier="town")
    ).to_dict()
    assert doc["school_tier"] == "town"
    # no school (the organisation department): no value, so that no tier bucket counts it
    doc = LessonSearchDocument.from_record(IndexRecord(kind="lesson", object_id=4, title="重温入党誓词")).to_dict()
    assert "school_tier" not in doc


def test_query_body_without_text_browses_by_title():
    body = es_backend.build_search(
        query="", filters=SearchFilters(kind="course"), kinds=["lesson", "course", "teacher"], page=1, page_size=10
    ).to_dict()
    assert "must" not in body["query"]["bool"]
    assert body["sort"] == ["kind", "title.raw"]
    assert body["post_filter"] == {"bool": {"filter": [{"term": {"kind": "course"}}]}}
    assert body["aggs"]["kind_facet"]["filter"] == {"match_all": {}}


def test_parse_response_gives_the_common_shape():
    raw = {
        "took": 3,
        "hits": {
            "total": {"value": 11, "relation": "eq"},
            "max_score": 7.5,
            "hits": [
                {
                    "_index": "lms-lessons-v1",
                    "_id": "lesson-12",
                    "_score": 7.5,
                    "_source": {
                        "kind": "lesson",
                        "object_id": 12,
                        "title": "集体学习党章",
                        "url": "/a/",
                        "module": "general",
                        "body": "…",
                    },
                    "highlight": {"title": ["集体学习<mark>党章</mark>"], "body": ["学习<mark>党章</mark>"]},
                },
                {
                    "_index": "lms-teachers-v1",
                    "_id": "teacher-3",
                    "_score": 1.0,
                    "_source": {
                        "kind": "teacher",
                        "object_id": 3,
                        "title": "王<建国>",
                        "url": "",
                        "teacher_kind": "leader",
                        "school_tier": "town",
                        "body": "部长",
                    },
                },
            ],
        },
        "aggregations": {
            "kind_facet": {
                "doc_count": 11,
                "values": {"buckets": [{"key": "lesson", "doc_count": 10}, {"key": "teacher", "doc_count": 1}]},
            },
            "module_facet": {"doc_count": 10, "values": {"buckets": [{"key": "general", "doc_count": 10}]}},
            "school_tier_facet": {
                "doc_count": 11,
                "values": {"buckets": [{"key": "town", "doc_count": 4}, {"key": "city", "doc_count": 2}]},
            },
        },
    }
    result = es_backend.parse_response(Response(Search(), raw), query="党章", page=1, page_size=10)
    assert result.backend == "elasticsearch" and result.total == 11 and result.pages == 2
    first, second = result.hits
    assert (first.kind, first.id, first.title_html, first.snippet) == (
        "lesson",
        12,
        "集体学习<mark>党章</mark>",
        "学习<mark>党章</mark>",
    )
    assert second.title_html == "王&lt;建国&gt;" and second.teacher_kind == "leader"
    assert (first.school_tier, second.school_tier) == ("", "town")
    assert [(f.value, f.label, f.count) for f in result.facets["kind"]] == [
        ("lesson", "微党课", 10),
        ("teacher", "讲师", 1),
    ]
    assert [(f.value, f.count) for f in result.facets["module"]] == [("general", 10)]
    # in the order of the choices, as the database backend lists them
    assert [(f.value, f.label, f.count) for f in result.facets["school_tier"]] == [
        ("city", "市(县)委党校", 2),
        ("town", "镇街党校", 4),
    ]


# --- lifecycle against the recording fake ---------------------------------------------------------
@pytest.fixture
def cluster(db, roles):
    fake, server, url = fake_es.start()
    es_backend._client.cache_clear()
    cache.delete(ES_DOWN_KEY)
    with override_settings(ELASTICSEARCH_URL=url):
        yield fake
    server.shutdown()
    es_backend._client.cache_clear()
    cache.delete(ES_DOWN_KEY)


def test_rebuild_swaps_aliases_atomically(cluster):
    cat = build_catalog()
    first = search_index_rebuild()
    assert first["database_entries"] == len(cat.lessons) + len(cat.courses) + len(cat.teachers)
    new = first["elasticsearch_indices"]
    assert set(new) == {"lesson", "course", "teacher"}
    for kind, name in new.items():
        assert name.startswith(f"lms-{kind}s-v")
        assert cluster.aliases[f"lms-{kind}s"] == {name}
        assert cluster.indices[name]["body"]["mappings"]["properties"]["title"]["analyzer"] == "zh_cjk"
    lessons = cluster.indices[new["lesson"]]["docs"]
    assert len(lessons) == len(cat.lessons)
    assert f"lesson-{cat.private_lesson.pk}" not in lessons and f"lesson-{cat.draft_lesson.pk}" not in lessons
    teachers = cluster.indices[new["teacher"]]["docs"]
    assert len(teachers) == len(cat.teachers)
    assert all(doc["staff_only"] and doc["published"] for doc in teachers.values())
    assert "13800000000" not in json.dumps(cluster.indices, ensure_ascii=False)
    doc = lessons[f"lesson-{cat.lessons['5G赋能乡村数字化'].pk}"]
    assert doc["module"] == "thematic" and doc["audiences"] == ["village_committee"]
    assert doc["school_tier"] == "town"  # its course's school
    assert "school_tier" not in lessons[f"lesson-{cat.lessons['重温入党誓词'].pk}"]
    assert teachers[f"teacher-{cat.teachers['李明华'].pk}"]["school_tier"] == "city"
    assert doc["suggest"] == {"input": ["5G赋能乡村数字化"]}

    cluster.requests.clear()
    second = search_index_rebuild(elasticsearch_only=True)["elasticsearch_indices"]
    alias_calls = [body for method, path, body in cluster.requests if path == "/_aliases"]
    lesson_swap = next(b for b in alias_calls if any("lms-lessons" in json.dumps(a) for a in b["actions"]))
    # one call removes the old index and adds the new one: no moment without an index
    assert lesson_swap["actions"] == [
        {"remove": {"index": new["lesson"], "alias": "lms-lessons"}},
        {"add": {"index": second["lesson"], "alias": "lms-lessons"}},
    ]
    order = [(m, p) for m, p, _ in cluster.requests]
    assert order.index(("PUT", f"/{second['lesson']}")) < order.index(("POST", "/_aliases"))
    assert ("DELETE", f"/{new['lesson']}") in order
    assert order.index(("DELETE", f"/{new['lesson']}")) > order.index(("POST", "/_aliases"))
    assert new["lesson"] not in cluster.indices and cluster.aliases["lms-lessons"] == {second["lesson"]}


def test_incremental_sync_writes_through_the_alias(cluster, django_capture_on_commit_callbacks):
    cat = build_catalog()
    search_index_rebuild()
    current = next(iter(cluster.aliases["lms-lessons"]))
    with django_capture_on_commit_callbacks(execute=True):
        lesson = add_lesson(cat.courses["法治教育"], "国家安全法解读", "总体国家安全观", live=False)
        lesson.save_revision().publish()
    assert cluster.indices[current]["docs"][f"lesson-{lesson.pk}"]["title"] == "国家安全法解读"
    lesson.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        lesson.unpublish()
    assert f"lesson-{lesson.pk}" not in cluster.indices[current]["docs"]
    assert ("DELETE", f"/lms-lessons/_doc/lesson-{lesson.pk}") in [(m, p) for m, p, _ in cluster.requests]


def test_first_write_creates_a_versioned_index_not_a_bare_one(cluster, django_capture_on_commit_callbacks):
    from teachers.models import Teacher

    with django_capture_on_commit_callbacks(execute=True):
        teacher = Teacher.objects.create(name="陈新", kind=Teacher.Kind.EXPERT)
    (target,) = cluster.aliases["lms-teachers"]
    assert target.startswith("lms-teachers-v")
    assert f"teacher-{teacher.pk}" in cluster.indices[target]["docs"]
    assert "lms-teachers" not in cluster.indices


def test_search_error_falls_back_and_health_lists_indices(cluster, roles):
    build_catalog()
    search_index_rebuild()
    status = search_status()
    assert status["ok"] and status["backend"] == "elasticsearch"
    assert set(status["indices"]) == {"lms-lessons", "lms-courses", "lms-teachers"}
    # The fake cannot search (answers 400): the service serves from the database instead.
    result = search("誓词", {}, 1, user=roles.member_a_user)
    assert result.backend == "database" and result.degraded
    assert [h.title for h in result.hits] == ["重温入党誓词"]
    searches = [body for method, path, body in cluster.requests if path.endswith("/_search")]
    assert searches and searches[0]["query"]["bool"]["filter"][0] == {"terms": {"kind": ["lesson", "course"]}}


def test_rebuild_command(cluster, capsys):
    build_catalog()
    call_command("search_rebuild")
    out = capsys.readouterr().out
    assert "数据库搜索条目" in out and "lms-lessons-v" in out


def test_rebuild_command_needs_a_cluster_for_es_only(db):
    from django.core.management.base import CommandError

    with override_settings(ELASTICSEARCH_URL=""), pytest.raises(CommandError, match="ELASTICSEARCH_URL"):
        call_command("search_rebuild", "--elasticsearch-only")
