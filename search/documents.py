"""elasticsearch-dsl documents for lessons, courses and teachers.

Chinese text analysis that works on a plain cluster (no plugins): the standard tokenizer
splits Han text into single characters, ``cjk_width`` folds full-width forms, and
``cjk_bigram`` with ``output_unigrams`` indexes both the overlapping bigrams (党章, 章程 …)
and the single characters, so two-character words match precisely and one-character queries
still match. ``ELASTICSEARCH_ANALYZER=smartcn`` or ``ik`` switches to the word segmenters of
those plugins where the cluster has them.

Each document's ``Index.name`` is the *alias* (``{prefix}-lessons``); the concrete indices
behind it are versioned (``{prefix}-lessons-v{timestamp}``) — see search/backends/elasticsearch.py."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from elasticsearch_dsl import (
    Boolean,
    Completion,
    Document,
    Integer,
    Keyword,
    SearchAsYouType,
    Text,
    analyzer,
    token_filter,
)

zh_cjk_bigram = token_filter("zh_cjk_bigram", "cjk_bigram", output_unigrams=True)
ZH_CJK = analyzer(
    "zh_cjk",
    tokenizer="standard",
    filter=["cjk_width", "lowercase", zh_cjk_bigram],
)
# Autocomplete on Chinese: the standard tokenizer yields one token per character, so the
# search_as_you_type shingles are character bigrams/trigrams — prefix-friendly for Han text.
ZH_PREFIX = analyzer("zh_prefix", tokenizer="standard", filter=["cjk_width", "lowercase"])


def text_analyzers(name: str):
    """(index analyzer, search analyzer) for the ELASTICSEARCH_ANALYZER setting."""
    name = (name or "cjk").lower()
    if name == "cjk":
        return ZH_CJK, ZH_CJK
    if name == "smartcn":
        return "smartcn", "smartcn"
    if name in {"ik", "ik_max_word", "ik_smart"}:
        # Index with the finest segmentation, search with the coarsest: IK's documented pairing.
        return "ik_max_word", "ik_smart"
    raise ImproperlyConfigured(f"ELASTICSEARCH_ANALYZER={name!r}: use cjk, smartcn or ik.")


INDEX_ANALYZER, SEARCH_ANALYZER = text_analyzers(settings.ELASTICSEARCH_ANALYZER)
PREFIX = settings.ELASTICSEARCH_INDEX_PREFIX
INDEX_SETTINGS = {"number_of_shards": 1, "number_of_replicas": 0}


def alias_name(kind: str) -> str:
    return f"{PREFIX}-{kind}s"


def _text(**kwargs) -> Text:
    return Text(analyzer=INDEX_ANALYZER, search_analyzer=SEARCH_ANALYZER, **kwargs)


class SearchDocument(Document):
    """Fields shared by the three kinds (one mapping, so one query body searches them all)."""

    kind = Keyword()
    object_id = Integer()
    title = _text(fields={"raw": Keyword(ignore_above=256)})
    title_prefix = SearchAsYouType(analyzer=ZH_PREFIX)
    body = _text()
    url = Keyword(index=False)
    module = Keyword()
    audiences = Keyword()  # multi-valued; empty = every member
    teacher_kind = Keyword()
    school_tier = Keyword()  # PartySchool.Tier; absent = no school (organisation department)
    staff_only = Boolean()
    published = Boolean()
    suggest = Completion()

    @classmethod
    def from_record(cls, record) -> SearchDocument:
        doc = cls(
            meta={"id": f"{record.kind}-{record.object_id}"},
            kind=record.kind,
            object_id=record.object_id,
            title=record.title,
            title_prefix=record.title,
            body=record.body,
            url=record.url,
            module=record.module,
            audiences=list(record.audiences),
            teacher_kind=record.teacher_kind,
            school_tier=record.school_tier or None,
            staff_only=record.staff_only,
            published=record.published,
            suggest={"input": [record.title]},
        )
        return doc


class LessonSearchDocument(SearchDocument):
    class Index:
        name = alias_name("lesson")
        settings = INDEX_SETTINGS


class CourseSearchDocument(SearchDocument):
    class Index:
        name = alias_name("course")
        settings = INDEX_SETTINGS


class TeacherSearchDocument(SearchDocument):
    class Index:
        name = alias_name("teacher")
        settings = INDEX_SETTINGS


DOCUMENTS = {
    "lesson": LessonSearchDocument,
    "course": CourseSearchDocument,
    "teacher": TeacherSearchDocument,
}
