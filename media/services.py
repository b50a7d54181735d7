"""Writes for videos: upload, processing (claim → transcode → swap), retry, delete."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import transaction
from django.utils import timezone

from . import conf, pipeline
from .models import Rendition, Video

logger = logging.getLogger(__name__)

PROGRESS_TRANSCODE_END = 95  # the rest is poster, measuring and moving files into storage


# --- upload ------------------------------------------------------------------------------------


def video_upload_validate(file) -> str:
    """Check size, extension and declared MIME type before anything is stored; return the
    lower-case extension. Audio (m4a, mp3, wav) is welcome: it becomes an audio lesson. The
    content itself is judged later by ffprobe."""
    if file is None:
        raise ValidationError("请选择要上传的视频文件。", code="required")
    size = getattr(file, "size", None) or 0
    if size <= 0:
        raise ValidationError("上传的文件是空的。", code="empty")
    limit_mb = settings.VIDEO_MAX_UPLOAD_MB
    if size > limit_mb * 1024 * 1024:
        raise ValidationError(f"文件太大：最大允许 {limit_mb} MB。", code="too_large")
    name = os.path.basename(getattr(file, "name", "") or "")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = conf.allowed_extensions()
    if extension not in allowed:
        raise ValidationError(
            f"不支持的文件类型“.{extension or '无扩展名'}”，请上传 {'、'.join(allowed)} 格式的视频或音频。",
            code="bad_extension",
        )
    content_type = (getattr(file, "content_type", "") or "").split(";")[0].strip().lower()
    if content_type and content_type not in conf.allowed_mime_types():
        raise ValidationError(f"文件类型“{content_type}”不是视频或音频，请上传音视频文件。", code="bad_mime")
    return extension


def video_create(*, file, title: str, uploaded_by=None) -> Video:
    """Store an upload as a new video and enqueue its processing once the row is committed."""
    extension = video_upload_validate(file)
    title = (title or "").strip() or os.path.splitext(os.path.basename(file.name))[0][:200]
    video = Video(title=title, uploaded_by=uploaded_by, original_size=file.size)
    # Storage names are ours (ASCII, unique); the uploader's file name only survives as the title.
    video.original.name = f"videos/originals/{uuid.uuid4().hex}.{extension}"
    video.full_clean(exclude=["original"])
    with transaction.atomic():
        video.original.save(video.original.name.rsplit("/", 1)[-1], file, save=False)
        try:
            video.save()
        except Exception:
            default_storage.delete(video.original.name)
            raise
        _enqueue(video.pk)
    return video


def _enqueue(video_id: int) -> None:
    from .tasks import video_process

    transaction.on_commit(lambda: video_process.delay(video_id))


# --- processing ----------------------------------------------------------------------------------


def processing_stale_after() -> int:
    """Seconds after which a "processing" run must have died (worker killed): longer than any
    live run may last. The one definition used by the claim below and by the recovery sweep."""
    return settings.VIDEO_TRANSCODE_TIME_LIMIT + 900


def _processing_is_stale(video: Video) -> bool:
    started = video.processing_started_at
    return started is None or (timezone.now() - started).total_seconds() > processing_stale_after()


def _claim(video_id: int, *, force: bool, takeover: bool) -> Video | None:
    """Mark the video as processing for this run, or return None when there is nothing to do:
    already ready (a redelivered task) or being processed by a live run. ``takeover`` (a task
    redelivered after its worker was lost) claims a video left in processing."""
    with transaction.atomic():
        video = Video.objects.select_for_update().filter(pk=video_id).first()
        if video is None:
            return None
        if not force and video.status == Video.Status.READY:
            return None
        if not force and not takeover and video.status == Video.Status.PROCESSING and not _processing_is_stale(video):
            return None
        video.status = Video.Status.PROCESSING
        video.progress = 0
        video.error = ""
        video.attempts += 1
        video.processing_started_at = timezone.now()
        video.save(update_fields=["status", "progress", "error", "attempts", "processing_started_at"])
        return video


def _progress_reporter(video: Video):
    """Write progress at most once a second and only while this run still owns the video."""
    state = {"last": 0.0, "value": -1}

    def report(fraction: float) -> None:
        value = int(fraction * PROGRESS_TRANSCODE_END)
        now = time.monotonic()
        if value != state["value"] and (now - state["last"] >= 1.0 or value >= PROGRESS_TRANSCODE_END):
            state.update(last=now, value=value)
            Video.objects.filter(pk=video.pk, attempts=video.attempts, status=Video.Status.PROCESSING).update(
                progress=value
            )

    return report


@contextmanager
def _local_original(video: Video):
    """A local path of the original: the file itself on local storage, a temporary copy
    downloaded from object storage otherwise."""
    if _is_local(video.original.storage):
        yield Path(video.original.path)
        return
    with tempfile.TemporaryDirectory(prefix="lms-video-src-") as tmp:
        target = Path(tmp) / os.path.basename(video.original.name)
        with video.original.open("rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
        yield target


def _is_local(storage) -> bool:
    return isinstance(storage, FileSystemStorage)


def _video_prefix(video_id: int) -> str:
    return f"videos/{video_id}"


@contextmanager
def _work_dir(video: Video, run: str):
    """Where ffmpeg writes: next to the final folder on local storage (so publishing is a
    rename on the same filesystem), a temporary directory otherwise. Always cleaned up."""
    if _is_local(default_storage):
        base = Path(default_storage.path(_video_prefix(video.pk)))
        base.mkdir(parents=True, exist_ok=True)
        path = base / f".work-{run}"
    else:
        path = Path(tempfile.mkdtemp(prefix="lms-video-out-")) / "out"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        log = path.parent / f"{path.name}.ffmpeg.log"
        if log.exists():
            log.unlink()
        if not _is_local(default_storage):
            shutil.rmtree(path.parent, ignore_errors=True)


def _publish(local_dir: Path, prefix: str) -> None:
    """Move a finished output folder to ``prefix`` in the default storage."""
    if _is_local(default_storage):
        final = Path(default_storage.path(prefix))
        if final.exists():
            shutil.rmtree(final)
        os.replace(local_dir, final)
        return
    for path in sorted(p for p in local_dir.rglob("*") if p.is_file()):
        name = f"{prefix}/{path.relative_to(local_dir).as_posix()}"
        if default_storage.exists(name):
            default_storage.delete(name)
        with open(path, "rb") as fh:
            default_storage.save(name, File(fh))


def _delete_prefix(prefix: str) -> None:
    """Remove everything stored under ``prefix`` (a folder), on any storage."""
    if not prefix:
        return
    if _is_local(default_storage):
        shutil.rmtree(default_storage.path(prefix), ignore_errors=True)
        return
    try:
        dirs, files = default_storage.listdir(prefix)
    except (FileNotFoundError, NotImplementedError, OSError):
        return
    for name in files:
        default_storage.delete(f"{prefix}/{name}")
    for name in dirs:
        _delete_prefix(f"{prefix}/{name}")


def video_process_now(video: Video, *, force: bool = False, takeover: bool = False) -> Video:
    """Process synchronously (the Celery task, the demo and tests call this). Idempotent: a
    ready video is left alone unless ``force``; a rerun builds a fresh output folder and
    swaps renditions in one transaction, so there are never duplicate or half-made rows."""
    claimed = _claim(video.pk, force=force, takeover=takeover)
    if claimed is None:
        video.refresh_from_db()
        return video
    video = claimed
    run = f"r{video.attempts}-{uuid.uuid4().hex[:8]}"
    prefix = f"{_video_prefix(video.pk)}/{run}"
    try:
        with _local_original(video) as source, _work_dir(video, run) as workdir:
            result = pipeline.transcode(
                source,
                workdir,
                time_limit=settings.VIDEO_TRANSCODE_TIME_LIMIT,
                preset=settings.VIDEO_X264_PRESET,
                on_progress=_progress_reporter(video),
            )
            _publish(workdir, prefix)
    except pipeline.VideoRejected as exc:
        _fail(video, exc.reason)
        _delete_prefix(prefix)
        return _reloaded(video)
    except FileNotFoundError:
        _fail(video, "原始文件丢失，无法处理。")
        _delete_prefix(prefix)
        return _reloaded(video)
    except BaseException:
        # Unexpected (bug, killed worker, Celery soft limit): record it, keep the original.
        logger.exception("video %s processing crashed", video.pk)
        _fail(video, "处理过程中发生内部错误，请重试或联系管理员。")
        _delete_prefix(prefix)
        raise
    _finish(video, result, prefix)
    return _reloaded(video)


def _reloaded(video: Video) -> Video:
    video.refresh_from_db()
    return video


def _fail(video: Video, reason: str) -> None:
    Video.objects.filter(pk=video.pk, attempts=video.attempts).update(
        status=Video.Status.FAILED, error=reason[:2000], processed_at=timezone.now()
    )


def _finish(video: Video, result: pipeline.TranscodeResult, prefix: str) -> None:
    with transaction.atomic():
        current = Video.objects.select_for_update().filter(pk=video.pk).first()
        if current is None or current.attempts != video.attempts:
            # Deleted meanwhile, or a newer run took over: our output is not wanted.
            transaction.on_commit(lambda: _delete_prefix(prefix))
            return
        old_dir = current.output_dir
        current.renditions.all().delete()
        Rendition.objects.bulk_create(
            [
                Rendition(
                    video=current,
                    kind=Rendition.Kind.AUDIO if v.is_audio else Rendition.Kind.VIDEO,
                    height=v.height,
                    width=v.width,
                    bandwidth=v.bandwidth,
                    average_bandwidth=v.average_bandwidth,
                    codecs=v.codecs,
                    playlist=f"{prefix}/{v.playlist_name}",
                )
                for v in result.variants
            ]
        )
        current.status = Video.Status.READY
        current.progress = 100
        current.error = ""
        current.duration = round(result.output_duration or result.info.duration, 3)
        current.width = result.info.width or None
        current.height = result.info.height or None
        current.master_playlist.name = f"{prefix}/{result.master}"
        current.mp4.name = f"{prefix}/{result.mp4}"
        current.poster.name = f"{prefix}/{result.poster}"
        audio = result.audio
        current.audio_playlist.name = f"{prefix}/{audio.playlist_name}" if audio else ""
        current.kind = Video.Kind.VIDEO if result.info.has_video else Video.Kind.AUDIO
        current.output_dir = prefix
        current.processed_at = timezone.now()
        current.save(
            update_fields=[
                "status",
                "progress",
                "error",
                "duration",
                "width",
                "height",
                "master_playlist",
                "mp4",
                "poster",
                "audio_playlist",
                "kind",
                "output_dir",
                "processed_at",
            ]
        )
        if old_dir and old_dir != prefix:
            transaction.on_commit(lambda: _delete_prefix(old_dir))


# --- retry / delete ------------------------------------------------------------------------------


def video_retry(*, video: Video, actor=None) -> Video:
    """Put a failed (or abandoned) video back in the queue. Its original was kept for this."""
    with transaction.atomic():
        locked = Video.objects.select_for_update().get(pk=video.pk)
        stuck = locked.status == Video.Status.PROCESSING and _processing_is_stale(locked)
        if locked.status != Video.Status.FAILED and not stuck:
            raise ValidationError("只有处理失败（或处理超时中断）的视频可以重试。", code="not_failed")
        locked.status = Video.Status.UPLOADED
        locked.progress = 0
        locked.error = ""
        locked.save(update_fields=["status", "progress", "error"])
        _audit(actor, "video_retry", locked, f"重试处理视频“{locked.title}”")
        _enqueue(locked.pk)
    return locked


def video_files_delete(*, video_id: int, original_name: str) -> None:
    """Remove the original and every output folder of a video."""
    if original_name:
        default_storage.delete(original_name)
    _delete_prefix(_video_prefix(video_id))


def video_delete(*, video: Video, actor=None) -> None:
    """Delete the row; the files follow after commit (see the post_delete handler)."""
    with transaction.atomic():
        _audit(actor, "video_delete", video, f"删除视频“{video.title}”")
        video.delete()


def _audit(actor, action: str, obj, summary: str) -> None:
    if actor is None:
        return
    from lms.audit.services import audit_record

    audit_record(actor=actor, action=action, obj=obj, summary=summary)
