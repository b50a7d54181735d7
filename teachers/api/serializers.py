from rest_framework import serializers

from courses.modules import Module

from ..models import EvaluationDimension, RosterEntry, RosterYear, Teacher, TeacherSpecialty


class SpecialtySerializer(serializers.ModelSerializer):
    module = serializers.ChoiceField(choices=Module.choices)
    module_label = serializers.CharField(source="get_module_display", read_only=True)
    topic = serializers.CharField(max_length=60)

    class Meta:
        model = TeacherSpecialty
        fields = ["module", "module_label", "topic"]


class TeacherPublicSerializer(serializers.ModelSerializer):
    """What members see: no contact details."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    specialties = SpecialtySerializer(many=True, read_only=True)
    photo_url = serializers.SerializerMethodField()

    class Meta:
        model = Teacher
        fields = ["id", "name", "kind", "kind_label", "unit", "title", "biography", "photo_url", "specialties"]
        read_only_fields = fields

    def get_photo_url(self, obj) -> str | None:
        return obj.photo.url if obj.photo else None


class TeacherStaffSerializer(TeacherPublicSerializer):
    """What staff (and the teacher themself) see: with contact details and account link."""

    # Plain text on output: an empty address is "", which a format-email field would misdescribe.
    email = serializers.CharField(read_only=True)

    class Meta(TeacherPublicSerializer.Meta):
        fields = [*TeacherPublicSerializer.Meta.fields, "phone", "email", "is_active", "user"]
        read_only_fields = fields


class TeacherWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    kind = serializers.ChoiceField(choices=Teacher.Kind.choices)
    unit = serializers.CharField(max_length=120, required=False, allow_blank=True)
    title = serializers.CharField(max_length=120, required=False, allow_blank=True)
    biography = serializers.CharField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)
    specialties = SpecialtySerializer(many=True, required=False)


class RosterEntrySerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="roster.year", read_only=True)
    teacher_name = serializers.CharField(source="teacher.name", read_only=True)
    teacher_kind = serializers.CharField(source="teacher.kind", read_only=True)
    added_by = serializers.SerializerMethodField()
    removed_by = serializers.SerializerMethodField()
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = RosterEntry
        fields = [
            "id",
            "year",
            "teacher",
            "teacher_name",
            "teacher_kind",
            "reason",
            "added_by",
            "added_at",
            "is_active",
            "removed_at",
            "removed_by",
            "removal_reason",
        ]
        read_only_fields = fields

    def get_added_by(self, obj) -> str | None:
        return str(obj.added_by) if obj.added_by_id else None

    def get_removed_by(self, obj) -> str | None:
        return str(obj.removed_by) if obj.removed_by_id else None


class RosterYearSerializer(serializers.ModelSerializer):
    copied_from_year = serializers.IntegerField(
        source="copied_from.year", read_only=True, default=None, allow_null=True
    )
    active_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = RosterYear
        fields = ["year", "copied_from_year", "opened_at", "note", "active_count"]
        read_only_fields = fields


class RosterOpenSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class RosterAddSerializer(serializers.Serializer):
    teacher = serializers.PrimaryKeyRelatedField(queryset=Teacher.objects.all())
    reason = serializers.CharField(max_length=200)


class RosterRemoveSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class DimensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvaluationDimension
        fields = ["id", "code", "name", "description", "order"]
        read_only_fields = fields


class EvaluationInSerializer(serializers.Serializer):
    session = serializers.IntegerField(min_value=1)
    scores = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=5), help_text="维度代码 → 1–5 分，所有启用维度必填"
    )
    comment = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class EvaluationOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    session = serializers.IntegerField(source="session_id")
    teacher = serializers.IntegerField(source="teacher_id")
    teacher_name = serializers.CharField(source="teacher.name")
    scores = serializers.SerializerMethodField()
    comment = serializers.CharField()
    mean_score = serializers.DecimalField(max_digits=4, decimal_places=2)
    submitted_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_scores(self, obj) -> dict[str, int]:
        return {s.dimension.code: s.score for s in obj.scores.all()}


class PendingSessionSerializer(serializers.Serializer):
    session = serializers.IntegerField(source="pk")
    title = serializers.CharField(source="__str__")
    class_title = serializers.CharField(source="training_class.title")
    teacher = serializers.IntegerField(source="teacher_id")
    teacher_name = serializers.CharField(source="teacher.name")
    ends_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()


class SessionBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField(source="__str__")
    kind = serializers.CharField()
    class_title = serializers.CharField(source="training_class.title")
    school = serializers.CharField(source="training_class.school.name")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class SessionFeedbackSerializer(serializers.Serializer):
    session = SessionBriefSerializer()
    responses = serializers.IntegerField()
    shown = serializers.BooleanField(help_text="评价数达到最少人数才显示得分与意见")
    overall = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    dimension_means = serializers.ListField(
        child=serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    )
    comments = serializers.ListField(child=serializers.CharField())


class AssessmentRowSerializer(serializers.Serializer):
    teacher = TeacherPublicSerializer()
    on_roster = serializers.BooleanField()
    sessions = serializers.IntegerField()
    attendees = serializers.IntegerField()
    responses = serializers.IntegerField()
    response_rate = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)
    dimension_means = serializers.ListField(
        child=serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    )
    overall = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    kind_size = serializers.IntegerField()
    previous_overall = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    change = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    flags = serializers.ListField(child=serializers.CharField())


class AssessmentSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    score_threshold = serializers.DecimalField(source="thresholds.score_threshold", max_digits=3, decimal_places=2)
    min_sessions = serializers.IntegerField(source="thresholds.min_sessions")
    min_responses = serializers.IntegerField(source="thresholds.min_responses")
    dimensions = DimensionSerializer(many=True)
    rows = AssessmentRowSerializer(many=True)
