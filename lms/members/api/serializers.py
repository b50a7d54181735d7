from rest_framework import serializers

from lms.members.models import Member


class MemberSerializer(serializers.ModelSerializer):
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    town_name = serializers.CharField(source="branch.town.name", read_only=True, default=None)
    categories = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Member
        fields = [
            "id",
            "name",
            "member_no",
            "branch",
            "branch_name",
            "town_name",
            "categories",
            "join_date",
            "is_active",
        ]
        read_only_fields = fields


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    member = MemberSerializer(allow_null=True)
    teacher_id = serializers.IntegerField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[("category", "类别"), ("branch", "支部")])
    label = serializers.CharField(help_text="类别名称或支部名称")
    start = serializers.DateField()
    end = serializers.DateField(allow_null=True, help_text="空表示至今")
    text = serializers.CharField()
