from django import forms
from django.utils import timezone

from .columns import field_choices, resolve_mapping
from .models import ImportJob
from .services import max_upload_bytes


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="导入内容", choices=ImportJob.Kind.choices, initial=ImportJob.Kind.MEMBERS)
    file = forms.FileField(label="花名册文件（.xlsx 或 .csv）")
    effective_date = forms.DateField(
        label="类别、支部变动的生效日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="不填为今天。文件中某行如有“变动日期”列，以该行为准。",
    )

    def clean_effective_date(self):
        value = self.cleaned_data.get("effective_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError("生效日期不能晚于今天")
        return value

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError("只支持 .xlsx 和 .csv 文件；旧版 .xls 请先在 Excel 中另存为 .xlsx")
        if f.size > max_upload_bytes():
            raise forms.ValidationError(f"文件超过 {max_upload_bytes() // 1024 // 1024} MB，请分批导入")
        return f


class MappingForm(forms.Form):
    """One choice per column of the file: what it feeds (as recognized, or as the user chose
    before), or nothing. Unrecognized headers come first; a required field nobody feeds is
    what the file error names."""

    def __init__(self, *args, job: ImportJob, **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        choices = [("", "忽略该列"), *field_choices(job.kind)]
        current = resolve_mapping(job.kind, job.headers, job.mapping)
        by_index = {index: key for key, index in current.by_key.items()}
        headers = [(i, h) for i, h in enumerate(job.headers) if h]
        headers.sort(key=lambda item: (item[1] not in job.unknown_headers, item[0]))
        self.headers = {}
        seen = set()
        for i, header in headers:
            if header in seen:
                continue
            seen.add(header)
            name = f"col_{i}"
            self.fields[name] = forms.ChoiceField(
                label=header,
                choices=choices,
                required=False,
                initial=job.mapping.get(header, by_index.get(i, "")),
            )
            self.headers[name] = header

    @property
    def unknown_count(self) -> int:
        return len(self.job.unknown_headers)

    def mapping(self) -> dict[str, str]:
        return {self.headers[name]: value for name, value in self.cleaned_data.items()}
