from django.conf import settings
from django.db import models


class DisplayPreference(models.Model):
    """How one account wants the member site shown, kept on the server so the choice follows
    the person to any phone or village terminal they log in from."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="display_preference", verbose_name="用户"
    )
    elder_mode = models.BooleanField("适老化模式", default=False, help_text="大字、大按钮、高对比度、简化首页")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "显示偏好"
        verbose_name_plural = "显示偏好"

    def __str__(self) -> str:
        return f"{self.user} · {'适老化' if self.elder_mode else '标准'}"
