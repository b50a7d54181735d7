"""Videos in the Wagtail admin: upload, list with status/progress/error, retry, inspect.

Registered as a snippet so that `FieldPanel("video")` on a lesson page gets the snippet
chooser for free."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, StatusTagColumn
from wagtail.admin.widgets.button import Button
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import snippets as snippet_views

from lms.accounts.viewsets import ScopedSnippetViewSet

from .forms import VideoAdminForm
from .models import Video
from .selectors import videos_visible_to
from .services import video_create, video_retry
from .views import courseware_file


class VideoCreateView(snippet_views.CreateView):
    def save_instance(self):
        """Go through the service (validation, safe storage name, enqueue on commit)."""
        data = self.form.cleaned_data
        return video_create(file=data["original"], title=data["title"], uploaded_by=self.request.user)

    def get_success_message(self, instance):
        return f"视频“{instance.title}”已上传，正在排队转码。"


class VideoIndexView(snippet_views.IndexView):
    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        if instance.status == Video.Status.FAILED and self.permission_policy.user_has_permission(
            self.request.user, "change"
        ):
            buttons.insert(
                0,
                Button(
                    "重试处理",
                    url=reverse(self.index_url_name.replace(":list", ":retry"), args=[instance.pk]),
                    icon_name="rotate",
                    priority=5,
                ),
            )
        return buttons


class VideoViewSet(ScopedSnippetViewSet):
    model = Video
    door_scope = "shared"  # county-wide shared content every staff user may use in lessons
    chooser = True
    copy_view_enabled = False
    icon = "media"
    menu_label = "视频"
    menu_order = 310
    add_to_admin_menu = True
    add_view_class = VideoCreateView
    index_view_class = VideoIndexView
    inspect_view_enabled = True
    inspect_view_fields = [
        "title",
        "status",
        "progress",
        "error",
        "duration",
        "width",
        "height",
        "original_size",
        "attempts",
        "uploaded_by",
        "created_at",
        "processed_at",
    ]
    list_display = [
        "title",
        StatusTagColumn("get_status_display", label="状态", primary=lambda v: v.status == Video.Status.READY),
        Column("progress", label="进度(%)"),
        Column("duration_display", label="时长"),
        Column("error", label="失败原因"),
        "uploaded_by",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["title"]
    list_per_page = 50
    edit_handler = ObjectList([FieldPanel("title"), FieldPanel("original")], base_form_class=VideoAdminForm)

    def visible_queryset(self, user):
        return videos_visible_to(user)

    def chooser_queryset(self, queryset):
        """Lesson editors pick from playable videos and those still being processed; failed
        ones would only make an unplayable lesson."""
        return queryset.exclude(status=Video.Status.FAILED).order_by("-created_at")

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [path("retry/<int:pk>/", self.retry_view, name="retry")]

    def retry_view(self, request, pk):
        """Confirm (GET) and put a failed video back in the queue (POST)."""
        if not self.permission_policy.user_has_permission(request.user, "change"):
            raise PermissionDenied
        video = get_object_or_404(videos_visible_to(request.user), pk=pk)
        if request.method == "POST":
            try:
                video_retry(video=video, actor=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, f"视频“{video.title}”已重新排队处理。")
            return redirect(self.get_url_name("list"))
        if video.status != Video.Status.FAILED:
            raise Http404
        return TemplateResponse(
            request,
            "media/admin/confirm_retry.html",
            {"video": video, "header_icon": self.icon, "list_url": reverse(self.get_url_name("list"))},
        )


register_snippet(VideoViewSet)


# Courseware (课件) is served only to those who may watch its lesson (lms.accounts.policy).
hooks.register("before_serve_document", courseware_file)
