from django import forms

from .columns import field_choices
from .models import ImportJob
from .services import max_upload_bytes


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="导入内容", choices=ImportJob.Kind.choices, initial=ImportJob.Kind.MEMBERS)
    file = forms.FileField(label="花名册文件（.xlsx 或 .csv）")

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError("只支持 .xlsx 和 .csv 文件；旧版 .xls 请先在 Excel 中另存为 .xlsx")
        if f.size > max_upload_bytes():
            raise forms.ValidationError(f"文件超过 {max_upload_bytes() // 1024 // 1024} MB，请分批导入")
        return f


class MappingForm(forms.Form):
    """One choice per header the import did not recognize (or the user mapped before)."""

    def __init__(self, *args, job: ImportJob, **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        choices = [("", "忽略该列"), *field_choices(job.kind)]
        headers = list(dict.fromkeys([*job.unknown_headers, *job.mapping]))
        for i, header in enumerate(h for h in headers if h in job.headers):
            self.fields[f"col_{i}"] = forms.ChoiceField(
                label=header, choices=choices, required=False, initial=job.mapping.get(header, "")
            )
        self.headers = {f"col_{i}": h for i, h in enumerate(h for h in headers if h in job.headers)}

    def mapping(self) -> dict[str, str]:
        return {self.headers[name]: value for name, value in self.cleaned_data.items()}
