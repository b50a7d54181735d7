from django.urls import reverse
from rest_framework import serializers

from lms.roster.models import ImportJob


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="文件中的行号（含表头行）；0 表示整个文件")
    column = serializers.CharField(help_text="表头")
    message = serializers.CharField(help_text="中文原因")


class MissingMemberSerializer(serializers.Serializer):
    member_no = serializers.CharField()
    name = serializers.CharField()
    branch = serializers.CharField()


class ImportJobSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    errors = ImportErrorSerializer(many=True, read_only=True)
    missing = MissingMemberSerializer(many=True, read_only=True)
    mapping = serializers.DictField(child=serializers.CharField(allow_blank=True), read_only=True)
    headers = serializers.ListField(child=serializers.CharField(allow_blank=True), read_only=True)
    unknown_headers = serializers.ListField(child=serializers.CharField(), read_only=True)
    file_errors = serializers.ListField(child=serializers.CharField(), read_only=True)
    can_confirm = serializers.BooleanField(read_only=True)
    can_confirm_valid = serializers.BooleanField(read_only=True)
    valid_rows = serializers.IntegerField(read_only=True)
    skipped_summary = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    error_report_url = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "status",
            "status_label",
            "original_name",
            "created_by",
            "created_at",
            "validated_at",
            "confirmed_at",
            "finished_at",
            "headers",
            "unknown_headers",
            "mapping",
            "file_errors",
            "errors",
            "error_count",
            "error_rows",
            "total_rows",
            "created_count",
            "updated_count",
            "unchanged_count",
            "users_created",
            "missing_count",
            "missing",
            "message",
            "can_confirm",
            "can_confirm_valid",
            "valid_rows",
            "effective_date",
            "skip_invalid",
            "skipped_summary",
            "history_count",
            "error_report_url",
        ]
        read_only_fields = fields

    def get_error_report_url(self, obj) -> str | None:
        return reverse("roster-import-errors", args=[obj.pk]) if obj.error_report else None


class ImportUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ImportJob.Kind.choices, default=ImportJob.Kind.MEMBERS)
    file = serializers.FileField(help_text=".xlsx 或 .csv（UTF-8 / GBK）")
    effective_date = serializers.DateField(
        required=False, allow_null=True, help_text="类别、支部变动的生效日期（不晚于今天）；不填为导入当天"
    )


class ImportConfirmSerializer(serializers.Serializer):
    valid_only = serializers.BooleanField(
        default=False, help_text="true：只导入无误的行，有错误的行跳过并列入错误报告；false：全部无误才导入"
    )


class ImportMappingSerializer(serializers.Serializer):
    mapping = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        help_text="表头 → 字段键（如 member_no、name、branch、branch_code、categories、join_date、phone）；空字符串表示忽略",
    )


class ImportStatusSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    busy = serializers.BooleanField()
    percent = serializers.IntegerField()
    done = serializers.IntegerField()
    total = serializers.IntegerField()


class ExportQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ImportJob.Kind.choices, default=ImportJob.Kind.MEMBERS)
    file_format = serializers.ChoiceField(choices=[("xlsx", "Excel"), ("csv", "CSV")], default="xlsx")
