from rest_framework import serializers

from lms.schools.models import PartySchool

from ..models import SearchKind


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="关键词")
    kind = serializers.CharField(
        required=False, allow_blank=True, help_text="lesson / course / teacher（讲师仅工作人员）"
    )
    module = serializers.CharField(required=False, allow_blank=True, help_text="general / professional / thematic")
    audience = serializers.CharField(required=False, allow_blank=True, help_text="党员类别")
    teacher_kind = serializers.CharField(required=False, allow_blank=True, help_text="leader / expert / role_model")
    # A plain CharField: search.results.SearchFilters refuses unknown values with a Chinese message.
    school_tier = serializers.CharField(required=False, allow_blank=True, help_text="city / town（党校层级）")
    page = serializers.CharField(required=False, allow_blank=True, help_text="页码，从 1 开始")


class HitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SearchKind.choices)
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField()
    title_html = serializers.CharField(help_text="HTML 转义后的标题，命中处以 <mark> 标出")
    snippet = serializers.CharField(help_text="HTML 转义后的摘要，命中处以 <mark> 标出")
    score = serializers.FloatField()
    module = serializers.CharField()
    teacher_kind = serializers.CharField()
    school_tier = serializers.ChoiceField(
        choices=PartySchool.Tier.choices,
        allow_blank=True,
        help_text="开课党校（微党课随所属课程）或讲师所属党校的层级；空表示组织部统一发布或不属于党校",
    )


class FacetCountSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class FacetsSerializer(serializers.Serializer):
    kind = FacetCountSerializer(many=True, required=False)
    module = FacetCountSerializer(many=True, required=False)
    school_tier = FacetCountSerializer(many=True, required=False)


class SearchResultSerializer(serializers.Serializer):
    query = serializers.CharField()
    total = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    page_size = serializers.IntegerField()
    hits = HitSerializer(many=True)
    facets = FacetsSerializer()
    backend = serializers.ChoiceField(choices=["database", "elasticsearch"])
    degraded = serializers.BooleanField(help_text="Elasticsearch 不可用、由数据库检索兜底时为 true")


class SuggestionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SearchKind.choices)
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField()
