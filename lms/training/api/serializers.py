from rest_framework import serializers

from lms import params
from lms.members.models import MemberCategory

from ..models import AnnualPlan, Attendance, ClassSession, CreditedDay, Enrollment, PlannedClass, TrainingClass

AUDIENCES = serializers.ListField(child=serializers.ChoiceField(choices=MemberCategory.choices), required=False)


class PlannedClassSerializer(serializers.ModelSerializer):
    audiences = serializers.ListField(child=serializers.ChoiceField(choices=MemberCategory.choices), required=False)

    class Meta:
        model = PlannedClass
        fields = ["id", "plan", "title", "module", "audiences", "quarter", "target_trainees", "is_rotation"]
        read_only_fields = fields


class PlannedClassInputSerializer(serializers.ModelSerializer):
    """What a planned-class write accepts (POST /planned-classes/)."""

    audiences = serializers.ListField(child=serializers.ChoiceField(choices=MemberCategory.choices), required=False)

    class Meta:
        model = PlannedClass
        fields = ["plan", "title", "module", "audiences", "quarter", "target_trainees", "is_rotation"]


class AnnualPlanInputSerializer(serializers.ModelSerializer):
    """What a plan write accepts (POST /plans/); status and review go through their actions."""

    class Meta:
        model = AnnualPlan
        fields = ["school", "year", "title", "notes"]
        validators = []  # duplicates are reported by plan_create in Chinese


class AnnualPlanSerializer(serializers.ModelSerializer):
    school_name = serializers.CharField(source="school.name", read_only=True)
    planned_classes = PlannedClassSerializer(many=True, read_only=True)

    class Meta:
        model = AnnualPlan
        fields = [
            "id",
            "school",
            "school_name",
            "year",
            "title",
            "notes",
            "status",
            "review_comment",
            "submitted_at",
            "reviewed_at",
            "planned_classes",
        ]
        read_only_fields = fields


class PlanReviewSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class PlanVsActualRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    quarter = serializers.IntegerField()
    module = serializers.CharField()
    target_trainees = serializers.IntegerField()
    actual_classes = serializers.IntegerField()
    actual_enrolled = serializers.IntegerField()
    actual_trainees = serializers.IntegerField()


class SessionInputSerializer(serializers.ModelSerializer):
    """What a session write accepts; the rules (place, roster, conflicts, times) live in
    services.sessions.session_save."""

    class Meta:
        model = ClassSession
        fields = [
            "training_class",
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "teaching_point",
            "venue",
            "room",
            "teacher",
        ]


class SessionSerializer(serializers.ModelSerializer):
    # Method fields, not source= with a default: DRF drops defaulted fields from partial-update responses.
    teaching_point_name = serializers.SerializerMethodField()
    teacher_name = serializers.SerializerMethodField()
    venue_name = serializers.SerializerMethodField()

    class Meta:
        model = ClassSession
        fields = [
            "id",
            "training_class",
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "teaching_point",
            "teaching_point_name",
            "venue",
            "venue_name",
            "room",
            "teacher",
            "teacher_name",
        ]
        read_only_fields = fields

    def get_teaching_point_name(self, obj) -> str | None:
        return obj.teaching_point.name if obj.teaching_point_id else None

    def get_venue_name(self, obj) -> str | None:
        return obj.venue.name if obj.venue_id else None

    def get_teacher_name(self, obj) -> str | None:
        return obj.teacher.name if obj.teacher_id else None


class TrainingClassInputSerializer(serializers.ModelSerializer):
    """What a class write accepts; ``from_template`` (create only) pre-fills the five mandatory
    items. Status changes go through publish / cancel."""

    audiences = AUDIENCES
    from_template = serializers.BooleanField(required=False, default=True)

    class Meta:
        model = TrainingClass
        fields = [
            "title",
            "school",
            "module",
            "audiences",
            "is_rotation",
            "start_date",
            "end_date",
            "capacity",
            "place",
            "planned_class",
            "from_template",
        ]
        extra_kwargs = {"end_date": {"required": False}}


class TrainingClassSerializer(serializers.ModelSerializer):
    audiences = AUDIENCES
    school_name = serializers.CharField(source="school.name", read_only=True)
    enrolled_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = TrainingClass
        fields = [
            "id",
            "title",
            "school",
            "school_name",
            "module",
            "audiences",
            "is_rotation",
            "start_date",
            "end_date",
            "capacity",
            "place",
            "status",
            "is_compliant",
            "compliance_missing",
            "planned_class",
            "enrolled_count",
            "published_at",
        ]
        read_only_fields = fields


class TrainingClassDetailSerializer(TrainingClassSerializer):
    sessions = SessionSerializer(many=True, read_only=True)

    class Meta(TrainingClassSerializer.Meta):
        fields = [*TrainingClassSerializer.Meta.fields, "sessions"]


class EnrollmentSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    member_no = serializers.CharField(source="member.member_no", read_only=True)
    class_title = serializers.CharField(source="training_class.title", read_only=True)

    class Meta:
        model = Enrollment
        fields = ["id", "training_class", "class_title", "member", "member_name", "member_no", "created_at"]
        read_only_fields = fields


class EnrolSerializer(serializers.Serializer):
    members = serializers.ListField(child=params.id_field(), allow_empty=False, max_length=5000)


class AttendanceSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = Attendance
        fields = ["id", "session", "member", "member_name", "present", "source", "signed_at"]
        read_only_fields = fields


class RollCallSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    present = serializers.DictField(child=serializers.BooleanField(), help_text="党员ID → 是否出席")


class SignInSerializer(serializers.Serializer):
    token = serializers.CharField(required=False, allow_blank=True, max_length=200)
    code = serializers.CharField(required=False, allow_blank=True, max_length=10)

    def validate(self, attrs):
        if not attrs.get("token") and not attrs.get("code"):
            raise serializers.ValidationError("请提供签到二维码中的 token 或 6 位签到码。")
        return attrs


class SignInResultSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    created = serializers.BooleanField()
    present = serializers.BooleanField()
    signed_at = serializers.DateTimeField()


class CreditedDaySerializer(serializers.ModelSerializer):
    class_title = serializers.CharField(source="training_class.title", read_only=True)

    class Meta:
        model = CreditedDay
        fields = ["id", "member", "day", "training_class", "class_title", "school_tier", "is_rotation", "hours"]
        read_only_fields = fields
