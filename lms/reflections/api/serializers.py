from rest_framework import serializers

from lms import params

from ..models import Reflection
from ..services import BODY_MAX, COMMENT_MAX, TITLE_MAX, Decision


class ReflectionSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    branch_name = serializers.CharField(source="member.branch.name", read_only=True)
    subject_title = serializers.CharField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Reflection
        fields = [
            "id",
            "member",
            "member_name",
            "branch_name",
            "training_class",
            "course",
            "subject_title",
            "year",
            "title",
            "body",
            "status",
            "status_label",
            "review_comment",
            "reviewed_at",
            "submitted_at",
            "updated_at",
        ]
        read_only_fields = fields


class ReflectionWriteSerializer(serializers.Serializer):
    training_class = params.id_field(required=False, allow_null=True, help_text="班次 id（与 course 二选一）")
    course = params.id_field(required=False, allow_null=True, help_text="课程页面 id（与 training_class 二选一）")
    title = serializers.CharField(max_length=TITLE_MAX * 2, trim_whitespace=False)
    body = serializers.CharField(max_length=BODY_MAX * 2, trim_whitespace=False)


class ReflectionEditSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX * 2, trim_whitespace=False)
    body = serializers.CharField(max_length=BODY_MAX * 2, trim_whitespace=False)


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=list(Decision.CHOICES))
    comment = serializers.CharField(max_length=COMMENT_MAX * 2, required=False, allow_blank=True, default="")


class BranchCountSerializer(serializers.Serializer):
    branch_id = serializers.IntegerField()
    branch_name = serializers.CharField()
    submitted = serializers.IntegerField()
    pending = serializers.IntegerField()
    approved = serializers.IntegerField()
    returned = serializers.IntegerField()
