from decimal import Decimal

from rest_framework import serializers

from lms import params
from lms.members.models import MemberCategory

from ..models import QuotaRule, RuleKind, Warning


class QuotaRuleSerializer(serializers.ModelSerializer):
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = QuotaRule
        fields = [
            "id",
            "year",
            "category",
            "category_label",
            "kind",
            "kind_label",
            "required",
            "min_school_tier",
            "window_years",
            "quiz",
            "source",
        ]
        read_only_fields = ["id", "year", "category", "kind", "quiz", "source"]


class QuotaRuleAddSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    category = serializers.ChoiceField(choices=MemberCategory.choices)
    kind = serializers.ChoiceField(choices=[RuleKind.QUIZ, RuleKind.REFLECTION])
    required = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=Decimal("1"))
    quiz = params.id_field(required=False, allow_null=True, help_text="指定测验 id（仅 quiz 指标）")
    source = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class RuleResultSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="rule.get_kind_display")
    category = serializers.CharField(source="rule.category")
    status = serializers.ChoiceField(choices=["met", "at_risk", "not_met"])
    status_label = serializers.CharField()
    required = serializers.DecimalField(max_digits=8, decimal_places=2)
    actual = serializers.DecimalField(max_digits=8, decimal_places=2)
    missing = serializers.DecimalField(max_digits=8, decimal_places=2)
    unit = serializers.CharField(source="rule.unit")
    explanation = serializers.CharField()


class QuotaProgressSerializer(serializers.Serializer):
    member_id = serializers.IntegerField()
    member_name = serializers.CharField()
    year = serializers.IntegerField()
    all_met = serializers.BooleanField()
    inperson_hours = serializers.DecimalField(max_digits=8, decimal_places=2)
    online_hours = serializers.DecimalField(max_digits=8, decimal_places=2)
    results = RuleResultSerializer(many=True)
    upcoming_classes = serializers.ListField(child=serializers.DictField())


class CoverageRowSerializer(serializers.Serializer):
    unit_id = serializers.IntegerField(allow_null=True)
    unit_name = serializers.CharField(allow_null=True)
    members = serializers.IntegerField()
    all_met = serializers.IntegerField()
    all_met_share = serializers.FloatField(allow_null=True)
    never_trained = serializers.IntegerField()
    trained_this_year = serializers.IntegerField()
    training_days_met = serializers.IntegerField()
    training_days_share = serializers.FloatField(allow_null=True)
    rotation_class_applicable = serializers.IntegerField()
    rotation_class_met = serializers.IntegerField()
    rotation_class_share = serializers.FloatField(allow_null=True)
    five_year_rotation_met = serializers.IntegerField()
    five_year_rotation_share = serializers.FloatField(allow_null=True)
    study_hours_met = serializers.IntegerField()
    study_hours_share = serializers.FloatField(allow_null=True)
    quiz_applicable = serializers.IntegerField()
    quiz_met = serializers.IntegerField()
    quiz_share = serializers.FloatField(allow_null=True)
    reflection_applicable = serializers.IntegerField()
    reflection_met = serializers.IntegerField()
    reflection_share = serializers.FloatField(allow_null=True)


class CoverageMemberSerializer(serializers.Serializer):
    member_id = serializers.IntegerField()
    name = serializers.CharField(source="member.name")
    member_no = serializers.CharField(source="member.member_no")
    days = serializers.IntegerField(source="days_this_year")
    rotation_classes = serializers.IntegerField(source="rotation_classes_this_year")
    last_trained_on = serializers.DateField(allow_null=True)
    status_training_days = serializers.CharField()
    status_rotation_class = serializers.CharField()
    status_five_year_rotation = serializers.CharField()
    status_study_hours = serializers.CharField()
    status_quiz = serializers.CharField()
    status_reflection = serializers.CharField()
    all_met = serializers.BooleanField()


class CoverageSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    level = serializers.ChoiceField(choices=["county", "town", "branch"])
    parent_id = serializers.IntegerField(allow_null=True)
    category = serializers.CharField(allow_null=True)
    totals = CoverageRowSerializer()
    rows = CoverageRowSerializer(many=True)
    rows_count = serializers.IntegerField()
    members = CoverageMemberSerializer(many=True)
    members_count = serializers.IntegerField()


class WarningSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Warning
        fields = [
            "id",
            "kind",
            "kind_label",
            "year",
            "title",
            "detail",
            "member",
            "branch",
            "town",
            "training_class",
            "share",
            "created_at",
            "updated_at",
            "resolved_at",
        ]
        read_only_fields = fields
