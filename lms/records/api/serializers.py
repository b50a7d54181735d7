"""学习档案 and 结业证书 API shapes. The verification shape carries only what the public
page shows (masked name, subject, school, date, status). A year's quota results use the
quota API's own shape: they come from the same evaluation (lms.quotas.rules.evaluate_member)."""

from rest_framework import serializers

from lms.quotas.api.serializers import RuleResultSerializer

from ..models import ArchiveJob, Certificate
from ..selectors import mask_name


class ArchiveClassSerializer(serializers.Serializer):
    training_class = serializers.IntegerField(source="training_class_id")
    title = serializers.CharField(source="training_class__title")
    school = serializers.CharField(source="training_class__school__name")
    is_rotation = serializers.BooleanField()
    days = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=8, decimal_places=2)
    first = serializers.DateField()
    last = serializers.DateField()


class ArchiveCourseSerializer(serializers.Serializer):
    course = serializers.IntegerField(source="course_id", allow_null=True)
    title = serializers.CharField()
    lessons = serializers.IntegerField()
    completed = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=8, decimal_places=2)


class CertificateSerializer(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display")
    verify_path = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = [
            "id",
            "member",
            "member_name",
            "kind",
            "training_class",
            "course",
            "title",
            "school_name",
            "issued_on",
            "code",
            "status",
            "status_label",
            "revoked_at",
            "revoke_reason",
            "verify_path",
        ]

    def get_kind(self, obj) -> str:
        return "class" if obj.training_class_id else "course"

    def get_verify_path(self, obj) -> str:
        return f"/records/verify/{obj.code}/"


class ArchiveYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    all_met = serializers.BooleanField()
    days = serializers.IntegerField(help_text="认定的集中培训天数（镇街党校及以上，与年度指标一致）")
    rotation_classes = serializers.IntegerField()
    window_start = serializers.IntegerField(help_text="五年一轮训统计起始年度")
    window_days = serializers.IntegerField(help_text="五年内认定培训天数")
    last_trained_on = serializers.DateField(allow_null=True)
    inperson_hours = serializers.DecimalField(max_digits=8, decimal_places=2)
    online_hours = serializers.DecimalField(max_digits=8, decimal_places=2)
    total_hours = serializers.DecimalField(max_digits=8, decimal_places=2)
    points = serializers.IntegerField(allow_null=True)
    results = RuleResultSerializer(many=True)
    classes = ArchiveClassSerializer(many=True)
    courses = ArchiveCourseSerializer(many=True)
    certificates = CertificateSerializer(many=True)


class ArchiveSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="member.pk")
    name = serializers.CharField(source="member.name")
    member_no = serializers.CharField(source="member.member_no")
    branch = serializers.CharField(source="member.branch.name")
    generated_at = serializers.DateTimeField()
    years = ArchiveYearSerializer(many=True)


class RevokeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="撤销原因（必填）")


class VerificationSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField(help_text="部分遮盖的姓名，如“张*明”")
    kind = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display")
    valid = serializers.BooleanField(source="is_valid")

    class Meta:
        model = Certificate
        fields = ["code", "name", "kind", "title", "school_name", "issued_on", "status", "status_label", "valid"]

    def get_name(self, obj) -> str:
        return mask_name(obj.member_name)

    def get_kind(self, obj) -> str:
        return "class" if obj.training_class_id else "course"


class ArchiveJobSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display")
    percent = serializers.IntegerField()
    download_path = serializers.SerializerMethodField()

    class Meta:
        model = ArchiveJob
        fields = [
            "id",
            "branch",
            "member",
            "status",
            "status_label",
            "total",
            "done",
            "percent",
            "message",
            "created_at",
            "finished_at",
            "download_path",
        ]

    def get_download_path(self, obj) -> str | None:
        return f"/api/v1/records/archive-jobs/{obj.pk}/download/" if obj.status == ArchiveJob.Status.DONE else None


class ArchiveJobInputSerializer(serializers.Serializer):
    branch = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1, help_text="整个支部（压缩包）")
    member = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1, help_text="单个党员")
