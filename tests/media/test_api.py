"""Upload and status API: validation before anything is stored, staff-only access."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from media.models import Video
from tests.factories.media import clip_path, make_video

pytestmark = pytest.mark.django_db

URL = "/api/v1/videos/"


def stored_files(media_root):
    return sorted(p.relative_to(media_root).as_posix() for p in media_root.rglob("*") if p.is_file())


def upload(name="lesson.mp4", content=None, content_type="video/mp4"):
    content = clip_path(seconds=2).read_bytes() if content is None else content
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_staff_upload_is_processed_and_status_readable(roles, login, media_root, django_capture_on_commit_callbacks):
    client = login(roles.town_a_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"file": upload(), "title": "集体学习党章"}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "集体学习党章"
    assert body["status"] == "uploaded"  # the response is written before the task runs

    detail = client.get(f"{URL}{body['id']}/").json()
    assert detail["status"] == "ready", detail["error"]
    assert detail["progress"] == 100
    assert detail["hls_url"].endswith("/master.m3u8")
    assert detail["mp4_url"] and detail["poster_url"]
    assert [(r["kind"], r["height"]) for r in detail["renditions"]] == [("audio", 0), ("video", 240), ("video", 360)]
    audio = detail["renditions"][0]
    assert detail["has_audio_only"] and detail["audio_url"] == audio["playlist_url"] and audio["codecs"] == "mp4a.40.2"
    assert detail["kind"] == "video" and detail["kind_display"] == "视频"
    video = Video.objects.get(pk=body["id"])
    assert video.uploaded_by == roles.town_a_staff
    assert video.original.name.startswith("videos/originals/") and video.original.name.endswith(".mp4")


def test_department_staff_may_upload(roles, login):
    response = login(roles.department).post(URL, {"file": upload()}, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["title"] == "lesson"  # defaults to the file name


@pytest.mark.parametrize("who", ["member_a_user", "nobody"])
def test_non_staff_are_denied(roles, login, media_root, who):
    video = make_video(seconds=2)
    before = stored_files(media_root)
    client = login(getattr(roles, who))
    assert client.post(URL, {"file": upload()}, format="multipart").status_code == 403
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{video.pk}/").status_code == 403
    assert client.post(f"{URL}{video.pk}/retry/").status_code == 403
    assert client.delete(f"{URL}{video.pk}/").status_code == 403
    assert stored_files(media_root) == before
    assert Video.objects.count() == 1


def test_anonymous_is_denied(client):
    assert client.post(URL, {"file": upload()}, format="multipart").status_code in (401, 403)
    assert not Video.objects.exists()


@pytest.mark.parametrize(
    ("file_kwargs", "message"),
    [
        ({"content": b""}, "空的"),
        ({"name": "notes.txt", "content_type": "text/plain"}, "不支持的文件类型"),
        ({"name": "lesson", "content_type": "video/mp4"}, "不支持的文件类型"),
        ({"name": "lesson.mp4", "content_type": "text/html"}, "不是视频"),
    ],
)
def test_bad_uploads_are_rejected_and_nothing_stored(roles, login, media_root, file_kwargs, message):
    response = login(roles.town_a_staff).post(URL, {"file": upload(**file_kwargs)}, format="multipart")
    assert response.status_code == 400
    assert message in " ".join(response.json()["file"])
    assert not Video.objects.exists()
    assert stored_files(media_root) == []


def test_too_big_upload_is_rejected(roles, login, media_root, settings):
    settings.VIDEO_MAX_UPLOAD_MB = 1
    response = login(roles.town_a_staff).post(
        URL, {"file": upload(content=b"\x00" * (1024 * 1024 + 1))}, format="multipart"
    )
    assert response.status_code == 400
    assert "最大允许 1 MB" in response.json()["file"][0]
    assert not Video.objects.exists() and stored_files(media_root) == []


def test_missing_file_and_non_multipart(roles, login):
    client = login(roles.town_a_staff)
    response = client.post(URL, {"title": "无文件"}, format="multipart")
    assert response.status_code == 400 and "请选择" in response.json()["file"][0]
    response = client.post(URL, {"file": "not a file"}, content_type="application/json")
    assert response.status_code == 415
    assert not Video.objects.exists()


def test_retry_via_api(roles, login, tmp_path, django_capture_on_commit_callbacks):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"garbage" * 100)
    from media.services import video_process_now

    video = video_process_now(make_video(source=broken))
    assert video.status == Video.Status.FAILED
    client = login(roles.city_staff)

    # Fix the original in place (as if the storage had been repaired), then retry.
    with open(clip_path(seconds=2).as_posix(), "rb") as src, video.original.open("wb") as dst:
        dst.write(src.read())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{URL}{video.pk}/retry/")
    assert response.status_code == 202
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.error

    # A ready video cannot be "retried".
    response = client.post(f"{URL}{video.pk}/retry/")
    assert response.status_code == 400 and "只有处理失败" in response.json()["detail"][0]
    assert client.post(f"{URL}999999/retry/").status_code == 404


def test_delete_via_api_removes_files(roles, login, media_root, django_capture_on_commit_callbacks):
    from media.services import video_process_now

    video = video_process_now(make_video(seconds=2))
    assert stored_files(media_root)
    with django_capture_on_commit_callbacks(execute=True):
        response = login(roles.department).delete(f"{URL}{video.pk}/")
    assert response.status_code == 204
    assert stored_files(media_root) == []


def test_list_query_count(roles, login, django_assert_max_num_queries):
    for i in range(5):
        make_video(seconds=2, title=f"视频{i}")
    client = login(roles.town_b_staff)
    client.get(URL)  # warm the session/scope caches
    with django_assert_max_num_queries(8):
        response = client.get(URL)
    assert response.json()["count"] == 5


def test_openapi_lists_video_endpoints(roles, login):
    schema = login(roles.superuser).get("/api/schema/?format=json").json()
    assert "/api/v1/videos/" in schema["paths"]
    assert "/api/v1/videos/{id}/retry/" in schema["paths"]
    assert "multipart/form-data" in schema["paths"]["/api/v1/videos/"]["post"]["requestBody"]["content"]
