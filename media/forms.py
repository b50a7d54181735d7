"""Admin form for videos: the upload is checked by the same rule as the API before anything
is stored; afterwards the original cannot be swapped (upload a new video instead)."""

from django import forms
from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminModelForm

from .services import video_upload_validate


class VideoAdminForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        original = self.fields.get("original")
        if original is None:
            return
        if self.instance.pk:
            original.disabled = True
            original.required = False
            original.help_text = "原始文件上传后不可替换；如需更换请上传新视频。"
        else:
            original.required = True
            original.widget = forms.FileInput(attrs={"accept": "video/*,audio/*"})
            original.help_text = "视频或音频（m4a、mp3、wav）均可；上传后自动转码为多清晰度 HLS（含仅音频）与 MP4，处理进度在列表中显示。"
            original.error_messages["required"] = "请选择要上传的视频文件。"

    def clean_original(self):
        upload = self.cleaned_data.get("original")
        if self.instance.pk:
            return self.instance.original
        try:
            video_upload_validate(upload)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
        return upload
