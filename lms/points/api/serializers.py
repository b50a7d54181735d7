from rest_framework import serializers

from ..models import PointEntry, PointRule


class PointEntrySerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = PointEntry
        fields = ["id", "day", "kind", "kind_label", "points", "reason", "created_at"]
        read_only_fields = fields


class PointRuleSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = PointRule
        fields = ["year", "kind", "kind_label", "points", "daily_cap", "min_minutes", "note"]
        read_only_fields = fields


class KindTotalSerializer(serializers.Serializer):
    kind = serializers.CharField()
    points = serializers.IntegerField()
    entries = serializers.IntegerField()


class MyPointsSerializer(serializers.Serializer):
    member_id = serializers.IntegerField()
    year = serializers.IntegerField()
    total = serializers.IntegerField()
    rank_in_branch = serializers.IntegerField(allow_null=True)
    by_kind = KindTotalSerializer(many=True)
    entries = PointEntrySerializer(many=True)
    entries_count = serializers.IntegerField()


class MemberRankSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    member_id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    branch_id = serializers.IntegerField()
    branch_name = serializers.CharField(source="branch.name")
    total_points = serializers.IntegerField()


class UnitRankSerializer(serializers.Serializer):
    unit_id = serializers.IntegerField(allow_null=True)
    unit_name = serializers.CharField(allow_null=True)
    members = serializers.IntegerField()
    points = serializers.IntegerField()
    per_member = serializers.FloatField()


class RankingSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    level = serializers.ChoiceField(choices=["member", "branch", "town"])
    count = serializers.IntegerField()
    members = MemberRankSerializer(many=True)
    units = UnitRankSerializer(many=True)
