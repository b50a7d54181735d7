"""Media only for those allowed to watch: every kind of file under /files/ and courseware,
anonymous versus member versus staff, with DEBUG off (as `make run` serves), the embedded
streaming path (Range) and the production X-Accel-Redirect path."""

import mimetypes

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from wagtail.documents import get_document_model

from courses.models import LessonDocument
from media.access import FileKind, file_kind
from media.services import video_process_now
from tests.factories.courses import make_course, make_index, make_lesson
from tests.factories.media import make_video

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def lesson_media(settings):
    """A processed clip on a published lesson with a courseware PDF; URLs of every file kind."""
    settings.DEBUG = False
    video = video_process_now(make_video(seconds=2))
    assert video.is_ready, video.error
    lesson = make_lesson(make_course(make_index()), video=video)
    document = get_document_model()(title="课件")
    document.file.save("courseware.pdf", ContentFile(PDF), save=False)
    document.save()
    LessonDocument.objects.create(lesson=lesson, document=document)
    rendition = video.renditions.get(height=360)
    segment = rendition.playlist.url.replace("index.m3u8", "seg_00000.ts")
    urls = {
        "master": video.hls_url,
        "variant": rendition.playlist.url,
        "segment": segment,
        "audio": video.audio_url,
        "mp4": video.mp4_url,
        "poster": video.poster_url,
        "courseware": document.url,
    }
    return video, lesson, document, urls


def original_url(video) -> str:
    return "/files/" + video.original.name


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def assert_refused(response):
    assert response.status_code in (401, 403) or (response.status_code == 302 and "/login" in response["Location"]), (
        response.status_code
    )
    assert b"videos/" not in body(response) and b"#EXTM3U" not in body(response)


def test_anonymous_gets_nothing_member_gets_everything_but_the_original(lesson_media, roles, media_root):
    video, lesson, document, urls = lesson_media
    anonymous = Client()
    for kind, url in urls.items():
        assert url.startswith("/"), (kind, url)
        assert_refused(anonymous.get(url))
    assert_refused(anonymous.get(original_url(video)))

    member = Client()
    member.force_login(roles.member_a_user)
    for kind, url in urls.items():
        response = member.get(url)
        assert response.status_code == 200, (kind, url, response.status_code)
        if kind != "courseware":  # (streamed by Wagtail's document view in the embedded default)
            assert "private" in response["Cache-Control"], kind  # never kept by a shared cache/CDN
    stored = media_root / rendition_name(urls["segment"])
    assert body(member.get(urls["segment"])) == stored.read_bytes()
    assert body(member.get(urls["courseware"])) == PDF
    assert b"#EXT-X-STREAM-INF" in body(member.get(urls["master"]))
    # Originals are never served, not even to the members who may watch the lesson.
    assert member.get(original_url(video)).status_code == 403


def rendition_name(url: str) -> str:
    return url.removeprefix("/files/")


def test_a_url_copied_from_a_members_page_stops_working_when_anonymous(lesson_media, roles):
    video, lesson, document, urls = lesson_media
    member = Client()
    member.force_login(roles.member_a_user)
    page = member.get(lesson.url)
    assert page.status_code == 200
    html = page.content.decode()
    copied = [u for u in (urls["master"], urls["mp4"], urls["poster"], urls["courseware"]) if u in html]
    assert len(copied) == 4, html
    for url in copied:
        assert member.get(url).status_code == 200
        assert_refused(Client().get(url))
    # Signing out ends it too (the remembered "may watch" belonged to the old session).
    member.get(urls["segment"])
    member.logout()
    assert_refused(member.get(urls["segment"]))


def test_files_of_a_lesson_the_member_may_not_watch_are_refused(lesson_media, roles):
    video, lesson, document, urls = lesson_media
    lesson.unpublish()
    member = Client()
    member.force_login(roles.member_a_user)
    for url in urls.values():
        assert member.get(url).status_code == 403
    # Accounts with no role (neither member nor staff) never watch.
    nobody = Client()
    nobody.force_login(roles.nobody)
    lesson.save_revision().publish()
    for url in urls.values():
        assert nobody.get(url).status_code == 403
    # Staff who manage videos check them (and may preview the lesson).
    staff = Client()
    staff.force_login(roles.town_a_staff)
    assert staff.get(urls["segment"]).status_code == 200


def test_a_video_on_no_lesson_is_for_staff_only(roles, settings):
    settings.DEBUG = False
    video = video_process_now(make_video(seconds=2))
    member = Client()
    member.force_login(roles.member_a_user)
    assert member.get(video.hls_url).status_code == 403
    staff = Client()
    staff.force_login(roles.town_b_staff)
    assert staff.get(video.hls_url).status_code == 200


def test_production_hands_the_bytes_to_nginx_with_x_accel_redirect(lesson_media, roles, settings):
    video, lesson, document, urls = lesson_media
    settings.MEDIA_ACCEL_REDIRECT = "/_protected/media/"
    member = Client()
    member.force_login(roles.member_a_user)
    response = member.get(urls["segment"])
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == "/_protected/media/" + rendition_name(urls["segment"])
    assert response["Content-Type"] == "video/mp2t"
    courseware = member.get(urls["courseware"])
    assert courseware["X-Accel-Redirect"] == "/_protected/media/" + document.file.name
    assert courseware.content == b"" and courseware["Content-Type"] == "application/pdf"
    # The check still runs first: refused requests never carry the header.
    for url in urls.values():
        refused = Client().get(url)
        assert refused.status_code == 403 and "X-Accel-Redirect" not in refused
    assert "X-Accel-Redirect" not in member.get(original_url(video))


def test_file_kinds():
    assert file_kind("videos/12/r1-ab12cd34/360p/seg_00000.ts") == (FileKind.VIDEO, 12)
    assert file_kind("videos/originals/x.mp4") == (FileKind.ORIGINAL, None)
    assert file_kind("videos/12/master.m3u8")[0] is FileKind.UNKNOWN  # no run folder: not ours
    assert file_kind("documents/a.pdf")[0] is FileKind.DOCUMENT
    assert file_kind("images/cover.max-800x600.jpg")[0] is FileKind.PUBLIC
    assert file_kind("secret_key")[0] is FileKind.UNKNOWN


def test_traversal_unknown_and_direct_document_paths_are_not_found(lesson_media, roles):
    video, lesson, document, urls = lesson_media
    member = Client()
    member.force_login(roles.superuser)
    assert member.get("/files/videos/../../etc/passwd").status_code == 404
    assert member.get(f"/files/videos/{video.pk}/../../../secret_key").status_code in (403, 404)
    assert member.get("/files/secret_key").status_code == 404
    assert member.get("/files/" + document.file.name).status_code == 404  # only via /documents/<id>/
    assert member.post(urls["segment"]).status_code == 405


def test_public_pictures_are_served_to_everyone(settings, media_root):
    settings.DEBUG = False
    (media_root / "teachers" / "photos").mkdir(parents=True)
    (media_root / "teachers" / "photos" / "a.jpg").write_bytes(b"\xff\xd8\xff")
    response = Client().get("/files/teachers/photos/a.jpg")
    assert response.status_code == 200 and body(response) == b"\xff\xd8\xff"


def test_hls_mime_types_are_registered():
    assert mimetypes.guess_type("master.m3u8")[0] == "application/vnd.apple.mpegurl"
    assert mimetypes.guess_type("seg_00001.ts")[0] == "video/mp2t"
    assert mimetypes.guess_type("seg_00001.m4s")[0] == "video/iso.segment"


def test_hls_content_types_and_range_requests_for_mp4(lesson_media, roles, media_root):
    video, lesson, document, urls = lesson_media
    client = Client()
    client.force_login(roles.member_a_user)
    assert client.get(urls["master"])["Content-Type"] == "application/vnd.apple.mpegurl"
    assert client.get(urls["segment"])["Content-Type"] == "video/mp2t"
    url = video.mp4_url
    assert url.startswith("/files/videos/") and url.endswith("fallback.mp4")
    whole = (media_root / video.mp4.name).read_bytes()

    full = client.get(url)
    assert full.status_code == 200 and full["Accept-Ranges"] == "bytes"
    assert full["Content-Type"] == "video/mp4"
    assert body(full) == whole

    part = client.get(url, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{len(whole)}"
    assert body(part) == whole[100:200]
    assert body(client.get(url, HTTP_RANGE="bytes=-10")) == whole[-10:]
    assert body(client.get(url, HTTP_RANGE=f"bytes={len(whole) - 5}-")) == whole[-5:]
    assert client.get(url, HTTP_RANGE=f"bytes={len(whole) + 1}-").status_code == 416


def test_lesson_api_and_page_offer_audio_only(lesson_media, roles):
    video, lesson, document, urls = lesson_media
    member = Client()
    member.force_login(roles.member_a_user)
    playback = member.get(f"/api/v1/lessons/{lesson.pk}/").json()["playback"]
    assert playback["has_audio_only"] is True and playback["kind"] == "video"
    assert playback["audio_url"] == "http://testserver" + urls["audio"]
    html = member.get(lesson.url).content.decode()
    assert f'data-audio="{urls["audio"]}"' in html and 'id="audio-only-toggle"' in html and "仅听声音" in html
    # The audio playlist is a lesson file like any other: members only.
    assert member.get(urls["audio"]).status_code == 200
    assert_refused(Client().get(urls["audio"]))
