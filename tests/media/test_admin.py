"""Wagtail admin: upload form, listing with status/progress/error, retry, chooser."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from media.models import Video
from media.services import video_process_now
from tests.factories.media import clip_path, make_video

pytestmark = pytest.mark.django_db

NS = "wagtailsnippets_lms_media_video"


def _failed_video(tmp_path, title="坏视频") -> Video:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video" * 50)
    return video_process_now(make_video(source=broken, title=title))


def test_listing_shows_status_progress_and_error(roles, login, tmp_path, django_assert_max_num_queries):
    ready = video_process_now(make_video(seconds=2, title="乡村振兴专题"))
    failed = _failed_video(tmp_path)
    client = login(roles.town_a_staff)
    client.get(reverse(f"{NS}:list"))
    with django_assert_max_num_queries(40):
        response = client.get(reverse(f"{NS}:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert ready.title in html and "可播放" in html and "100" in html
    assert failed.title in html and "处理失败" in html and failed.error in html
    assert reverse(f"{NS}:retry", args=[failed.pk]) in html
    assert reverse(f"{NS}:retry", args=[ready.pk]) not in html


def test_upload_through_admin(roles, login, media_root, django_capture_on_commit_callbacks):
    client = login(roles.department)
    response = client.get(reverse(f"{NS}:add"))
    assert response.status_code == 200 and 'enctype="multipart/form-data"' in response.content.decode()
    upload = SimpleUploadedFile("clip.mp4", clip_path(seconds=2).read_bytes(), content_type="video/mp4")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(f"{NS}:add"), {"title": "警示教育", "original": upload})
    assert response.status_code == 302, response.content.decode()[:2000]
    video = Video.objects.get()
    assert video.title == "警示教育" and video.uploaded_by == roles.department
    assert video.status == Video.Status.READY, video.error


def test_admin_rejects_bad_upload_and_stores_nothing(roles, login, media_root):
    client = login(roles.town_a_staff)
    upload = SimpleUploadedFile("slides.pdf", b"%PDF-1.4 ...", content_type="application/pdf")
    response = client.post(reverse(f"{NS}:add"), {"title": "课件", "original": upload})
    assert response.status_code == 200
    assert "不支持的文件类型" in response.content.decode()
    assert not Video.objects.exists()
    assert not any(p.is_file() for p in media_root.rglob("*"))


def test_edit_cannot_replace_original(roles, login):
    video = make_video(seconds=2, title="旧标题")
    original = video.original.name
    upload = SimpleUploadedFile("other.mp4", b"x" * 100, content_type="video/mp4")
    response = login(roles.town_a_staff).post(
        reverse(f"{NS}:edit", args=[video.pk]), {"title": "新标题", "original": upload}
    )
    assert response.status_code == 302
    video.refresh_from_db()
    assert video.title == "新标题" and video.original.name == original


def test_retry_from_admin(roles, login, tmp_path, django_capture_on_commit_callbacks):
    video = _failed_video(tmp_path)
    client = login(roles.town_b_staff)
    url = reverse(f"{NS}:retry", args=[video.pk])
    page = client.get(url)
    assert page.status_code == 200 and video.error in page.content.decode()
    with open(clip_path(seconds=2), "rb") as src, video.original.open("wb") as dst:
        dst.write(src.read())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.error
    assert client.get(url).status_code == 404  # nothing left to retry


def test_member_cannot_reach_video_admin(roles, login, tmp_path):
    video = _failed_video(tmp_path)
    client = login(roles.member_a_user)
    assert client.get(reverse(f"{NS}:list")).status_code in (302, 403)
    assert client.post(reverse(f"{NS}:retry", args=[video.pk])).status_code in (302, 403)
    video.refresh_from_db()
    assert video.status == Video.Status.FAILED


def test_chooser_offers_usable_videos_only(roles, login, tmp_path):
    ready = video_process_now(make_video(seconds=2, title="可选视频"))
    failed = _failed_video(tmp_path, title="失败视频")
    response = login(roles.town_a_staff).get(reverse("wagtailsnippetchoosers_lms_media_video:choose"))
    assert response.status_code == 200
    html = (
        response.json()["html"]
        if response["Content-Type"].startswith("application/json")
        else response.content.decode()
    )
    assert ready.title in html
    assert failed.title not in html


def test_inspect_view(roles, login):
    video = video_process_now(make_video(seconds=2, title="查看视频"))
    response = login(roles.city_staff).get(reverse(f"{NS}:inspect", args=[video.pk]))
    assert response.status_code == 200 and "查看视频" in response.content.decode()
