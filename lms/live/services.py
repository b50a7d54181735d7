"""Writes for live classes: setting up a broadcast, nginx's publish/record callbacks, handing
the recording to the video pipeline, live watch credit, 收看点 sign-in and headcount.

Attendance and credited days are lms.training's (attendance_mark_present →
credited_days_recompute); the recording becomes an on-demand lesson through media's
video_create; live watch time is credited by courses.watch's rule into the same
StudyProgress/StudyDay rows as the recording's on-demand viewing, so a member who watched
live and then the replay is credited once."""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from courses import watch
from courses.models import CourseIndexPage, CoursePage, LessonPage
from courses.selectors import WatchableLesson
from courses.services import progress_heartbeat_apply
from lms.accounts import policy
from lms.audit.services import audit_record
from lms.members.models import Member
from lms.training import signin
from lms.training.models import Attendance, ClassSession, TrainingClass
from lms.training.services.attendance import SignInRefused, attendance_mark_present, signin_refusal

from . import conf
from .models import BroadcastSite, LiveBroadcast, LiveViewer, SiteSignIn, ViewingSite

logger = logging.getLogger(__name__)

SITE_SALT = "lms.live.site-signin"
REPLAY_COURSE_SLUG = "live-replays"

PUBLISH_UNKNOWN = "推流密钥无效：没有对应的直播课次。"
PUBLISH_TOO_EARLY = "尚未到推流时间：本直播 {opens} 起可以推流。"
PUBLISH_TOO_LATE = "推流时间已过：本直播的推流截止于 {closes}。"
PUBLISH_CANCELLED = "该直播所属班次已取消或尚未发布，不能推流。"
NOT_LIVE = "直播尚未开始或已经结束。"
NOT_OPERATOR = "您不是该收看点所属党校的工作人员，不能登记人数。"


class PublishRefused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _minutes(name: str, default: int) -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, name, default)))


# --- setting up -----------------------------------------------------------------------------------


def replay_course() -> CoursePage:
    """The course that holds live-class recordings (created once under the catalog)."""
    course = CoursePage.objects.filter(slug=REPLAY_COURSE_SLUG).first()
    if course is not None:
        return course
    index = CourseIndexPage.objects.order_by("path").first()
    if index is None:
        from wagtail.models import Page, Site

        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        root = site.root_page if site else Page.objects.get(depth=1)
        index = root.add_child(instance=CourseIndexPage(title="课程中心", slug="courses"))
    return index.add_child(
        instance=CoursePage(
            title="直播课堂回放",
            slug=REPLAY_COURSE_SLUG,
            summary="市委党校大课堂等直播课的录像，供未能收看直播的党员点播学习。",
        )
    )


def _site_ids_checked(user, site_ids) -> list[int]:
    raw = [str(s).strip() for s in site_ids]
    if any(not re.fullmatch(r"[0-9]{1,18}", s) for s in raw):
        raise ValidationError({"sites": "收看点编号必须是整数。"})
    site_ids = sorted({int(s) for s in raw})
    visible = set(
        policy.visible(ViewingSite.objects.filter(pk__in=site_ids, is_active=True), user).values_list("pk", flat=True)
    )
    missing = [s for s in site_ids if s not in visible]
    if missing:
        raise ValidationError({"sites": f"以下收看点不存在、已停用或不在您的管理范围：{', '.join(map(str, missing))}"})
    return site_ids


@transaction.atomic
def broadcast_create(*, user, session: ClassSession, site_ids=(), course: CoursePage | None = None) -> LiveBroadcast:
    """Make `session` a live session: a stream name and key, the publishing window (from
    LIVE_PUBLISH_OPEN_BEFORE_MINUTES before the start to LIVE_PUBLISH_CLOSE_AFTER_MINUTES after
    the end), the 收看点 taking part and a draft lesson that will hold the recording."""
    school = session.training_class.school
    if not policy.may_manage_school(user, school):
        raise PermissionDenied("只有主办党校的工作人员可以设置直播。")
    if LiveBroadcast.objects.filter(session=session).exists():
        raise ValidationError("该课次已经设置为直播。")
    site_ids = _site_ids_checked(user, site_ids)
    broadcast = LiveBroadcast(
        session=session,
        stream_name=f"c{session.pk}-{secrets.token_hex(4)}",
        stream_key=secrets.token_urlsafe(24),
        publish_opens_at=session.starts_at - _minutes("LIVE_PUBLISH_OPEN_BEFORE_MINUTES", 60),
        publish_closes_at=session.ends_at + _minutes("LIVE_PUBLISH_CLOSE_AFTER_MINUTES", 60),
        created_by=user,
    )
    broadcast.full_clean(exclude=["session", "lesson", "recording"])
    course = course or replay_course()
    title = f"{session.training_class.title}：{session.display_title}"[:255]
    broadcast.lesson = course.add_child(
        instance=LessonPage(title=title, slug=f"live-{broadcast.stream_name}", live=False)
    )
    broadcast.save()
    BroadcastSite.objects.bulk_create([BroadcastSite(broadcast=broadcast, site_id=s) for s in site_ids])
    audit_record(actor=user, action="live_broadcast_create", obj=session, summary=f"设置直播：{title}")
    return broadcast


@transaction.atomic
def broadcast_sites_set(*, user, broadcast: LiveBroadcast, site_ids) -> list[int]:
    if not policy.may_manage_school(user, broadcast.session.training_class.school_id):
        raise PermissionDenied("只有主办党校的工作人员可以调整收看点。")
    site_ids = _site_ids_checked(user, site_ids)
    current = set(broadcast.site_links.values_list("site_id", flat=True))
    removable = broadcast.site_links.exclude(site_id__in=site_ids)
    if removable.filter(signins__isnull=False).exists():
        raise ValidationError("已有党员签到的收看点不能移除。")
    removable.delete()
    BroadcastSite.objects.bulk_create(
        [BroadcastSite(broadcast=broadcast, site_id=s) for s in site_ids if s not in current]
    )
    return site_ids


@transaction.atomic
def broadcast_key_rotate(*, user, broadcast: LiveBroadcast) -> LiveBroadcast:
    """A new stream key (the old one leaked, or a new encoder); the stream name stays."""
    if not policy.may_manage_school(user, broadcast.session.training_class.school_id):
        raise PermissionDenied("只有主办党校的工作人员可以更换推流密钥。")
    broadcast.stream_key = secrets.token_urlsafe(24)
    broadcast.save(update_fields=["stream_key"])
    audit_record(actor=user, action="live_key_rotate", obj=broadcast.session, summary="更换直播推流密钥")
    return broadcast


# --- nginx callbacks ------------------------------------------------------------------------------


def _by_name_and_key(name: str, key: str) -> LiveBroadcast | None:
    broadcast = (
        LiveBroadcast.objects.select_for_update()
        .select_related("session__training_class")
        .filter(stream_name=(name or "")[:40])
        .first()
    )
    if broadcast is None or not key or not constant_time_compare(broadcast.stream_key, key):
        return None
    return broadcast


@transaction.atomic
def broadcast_publish_authorize(
    *, name: str, key: str, addr: str = "", now: dt.datetime | None = None
) -> LiveBroadcast:
    """nginx on_publish: accept only the session's current key inside its window; the
    broadcast goes live (a reconnecting encoder resumes the same broadcast)."""
    now = now or timezone.now()
    broadcast = _by_name_and_key(name, key)
    if broadcast is None:
        raise PublishRefused(PUBLISH_UNKNOWN)
    if (
        broadcast.status == LiveBroadcast.Status.CANCELLED
        or broadcast.session.training_class.status != TrainingClass.Status.PUBLISHED
    ):
        raise PublishRefused(PUBLISH_CANCELLED)
    if now < broadcast.publish_opens_at:
        raise PublishRefused(
            PUBLISH_TOO_EARLY.format(opens=f"{timezone.localtime(broadcast.publish_opens_at):%m月%d日 %H:%M}")
        )
    if now > broadcast.publish_closes_at:
        raise PublishRefused(
            PUBLISH_TOO_LATE.format(closes=f"{timezone.localtime(broadcast.publish_closes_at):%m月%d日 %H:%M}")
        )
    broadcast.status = LiveBroadcast.Status.LIVE
    broadcast.started_at = broadcast.started_at or now
    broadcast.ended_at = None
    broadcast.publisher_addr = (addr or "")[:64]
    broadcast.save(update_fields=["status", "started_at", "ended_at", "publisher_addr"])
    return broadcast


@transaction.atomic
def broadcast_publish_done(*, name: str, key: str, now: dt.datetime | None = None) -> LiveBroadcast | None:
    """nginx on_publish_done: the encoder stopped; the broadcast ends (until it reconnects)."""
    broadcast = _by_name_and_key(name, key)
    if broadcast is None or broadcast.status != LiveBroadcast.Status.LIVE:
        return broadcast
    broadcast.status = LiveBroadcast.Status.ENDED
    broadcast.ended_at = now or timezone.now()
    broadcast.save(update_fields=["status", "ended_at"])
    if broadcast.recording_status == LiveBroadcast.RecordingStatus.PROCESSING:
        _enqueue_ingest(broadcast.pk)  # record_done came first, while the broadcast was live
    return broadcast


def _enqueue_ingest(broadcast_id: int) -> None:
    from .tasks import broadcast_recording_ingest

    transaction.on_commit(lambda: broadcast_recording_ingest.delay(broadcast_id))


def _recording_path(path: str) -> Path | None:
    """Only files nginx wrote into our recordings folder are ever read."""
    try:
        candidate = Path(path).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        return None
    root = conf.recordings_dir().resolve()
    return candidate if candidate.is_file() and root in candidate.parents else None


@transaction.atomic
def broadcast_record_done(*, name: str, key: str, path: str) -> LiveBroadcast | None:
    """nginx on_record_done: remember the finished recording file and hand the broadcast's
    recording to the video pipeline once the transaction commits."""
    broadcast = _by_name_and_key(name, key)
    recording = _recording_path(path)
    if broadcast is None or recording is None or not recording.name.startswith(broadcast.stream_name + "-"):
        return None
    broadcast.recording_status = LiveBroadcast.RecordingStatus.PROCESSING
    broadcast.recording_error = ""
    broadcast.save(update_fields=["recording_status", "recording_error"])
    _enqueue_ingest(broadcast.pk)
    return broadcast


def recording_parts(broadcast: LiveBroadcast) -> list[Path]:
    """The broadcast's recording files in time order (one per publish; an encoder that
    reconnects makes several)."""
    folder = conf.recordings_dir()
    parts = [p for p in folder.glob(f"{broadcast.stream_name}-*.flv") if p.stat().st_size > 0]
    return sorted(parts, key=lambda p: (p.stat().st_mtime, p.name))


def _join_to_mp4(parts: list[Path], dest: Path) -> None:
    """Remux (no re-encoding) the FLV parts into one MP4 the pipeline can probe."""
    listing = dest.with_suffix(".txt")
    listing.write_text("".join(f"file '{p}'\n" for p in parts))
    ffmpeg = getattr(settings, "VIDEO_FFMPEG_BINARY", "ffmpeg")
    result = subprocess.run(
        [ffmpeg, "-nostdin", "-y", "-loglevel", "error", "-f", "concat", "-safe", "0", "-i", str(listing)]
        + ["-c", "copy", "-movflags", "+faststart", str(dest)],
        capture_output=True,
        text=True,
        timeout=int(getattr(settings, "VIDEO_TRANSCODE_TIME_LIMIT", 3600)),
    )
    if result.returncode != 0 or not dest.exists() or dest.stat().st_size == 0:
        raise ValueError(result.stderr.strip()[-300:] or "ffmpeg 未生成文件")


def broadcast_recording_ingest(broadcast: LiveBroadcast) -> LiveBroadcast:
    """Join the recording parts and hand them to media's pipeline as the lesson's video; the
    lesson is published and plays once the video is ready. Idempotent: a broadcast that is
    live again (encoder reconnected) waits for its next record_done, and a recording already
    handed over is not handed twice."""
    from media.services import video_create

    with transaction.atomic():
        broadcast = LiveBroadcast.objects.select_for_update().get(pk=broadcast.pk)
        if broadcast.status == LiveBroadcast.Status.LIVE or broadcast.recording_status in (
            LiveBroadcast.RecordingStatus.HANDED,
            LiveBroadcast.RecordingStatus.NONE,
        ):
            return broadcast
        parts = recording_parts(broadcast)
        if not parts:
            return _recording_failed(broadcast, "没有找到录像文件。")
        lesson = broadcast.lesson
        with tempfile.TemporaryDirectory(prefix="live-rec-") as tmp:
            joined = Path(tmp) / f"{broadcast.stream_name}.mp4"
            try:
                _join_to_mp4(parts, joined)
            except (ValueError, OSError, subprocess.SubprocessError) as exc:
                logger.warning("live recording %s could not be joined: %s", broadcast.pk, exc)
                return _recording_failed(broadcast, "录像文件无法读取（可能推流中断时文件不完整）。")
            with joined.open("rb") as fh:
                video = video_create(
                    file=File(fh, name=joined.name),
                    title=(lesson.title if lesson else str(broadcast))[:200],
                    uploaded_by=broadcast.created_by,
                )
        broadcast.recording = video
        broadcast.recording_status = LiveBroadcast.RecordingStatus.HANDED
        broadcast.save(update_fields=["recording", "recording_status"])
        if lesson is not None:
            lesson.video = video
            lesson.live = True
            lesson.save_revision().publish()
    return broadcast


def _recording_failed(broadcast: LiveBroadcast, reason: str) -> LiveBroadcast:
    broadcast.recording_status = LiveBroadcast.RecordingStatus.FAILED
    broadcast.recording_error = reason
    broadcast.save(update_fields=["recording_status", "recording_error"])
    return broadcast


# --- watching -------------------------------------------------------------------------------------


def broadcast_elapsed(broadcast: LiveBroadcast, now: dt.datetime | None = None) -> float:
    """Seconds of broadcast so far: the timeline live watch intervals are reported on (it is
    also the recording's timeline, so live and replay viewing merge)."""
    if broadcast.started_at is None:
        return 0.0
    end = broadcast.ended_at if broadcast.status != LiveBroadcast.Status.LIVE and broadcast.ended_at else None
    return max(0.0, ((end or now or timezone.now()) - broadcast.started_at).total_seconds())


def _viewer_site(broadcast: LiveBroadcast, user, member_id: int | None, site_id) -> BroadcastSite | None:
    if member_id:
        signed = SiteSignIn.objects.filter(broadcast=broadcast, member_id=member_id).select_related("broadcast_site")
        row = signed.first()
        if row is not None:
            return row.broadcast_site
    if site_id:
        link = BroadcastSite.objects.select_related("site").filter(broadcast=broadcast, pk=site_id).first()
        if link is not None and policy.may_manage_school(user, link.site.school_id):
            return link  # the site's own terminal, opened by its operator
    return None


def live_heartbeat_apply(
    *, user, broadcast: LiveBroadcast, intervals, site_id=None, now: dt.datetime | None = None
) -> dict:
    """A live player's heartbeat: presence for the department view and, for a member, credit
    for the really-played broadcast seconds by courses' heartbeat service (new seconds only,
    capped by the wall clock × the maximum rate, per lesson and per member). Seconds claimed beyond
    the broadcast so far are cut off — live content after "now" does not exist yet."""
    if not policy.may_watch(user):
        raise PermissionDenied("请使用党员或工作人员账号收看直播。")
    now = now or timezone.now()
    grace = dt.timedelta(seconds=int(getattr(settings, "LIVE_HEARTBEAT_GRACE_SECONDS", 120)))
    if broadcast.started_at is None or (
        broadcast.status != LiveBroadcast.Status.LIVE and not (broadcast.ended_at and now - broadcast.ended_at <= grace)
    ):
        raise watch.HeartbeatError(NOT_LIVE)
    elapsed = broadcast_elapsed(broadcast, now)
    reported = watch.parse_intervals(intervals, duration=elapsed + 3600.0)
    reported = [(s, min(e, elapsed)) for s, e in reported if s < elapsed]
    member_id = policy.member_id_for(user)
    credited = 0.0
    with transaction.atomic():
        site = _viewer_site(broadcast, user, member_id, site_id)
        viewer, _ = LiveViewer.objects.get_or_create(
            broadcast=broadcast, user=user, defaults={"member_id": member_id, "last_seen_at": now}
        )
        viewer = LiveViewer.objects.select_for_update().get(pk=viewer.pk)
        if member_id and broadcast.lesson_id:
            credited = _credit_member(member_id, broadcast.lesson_id, reported, elapsed, now)
        viewer.last_seen_at = max(viewer.last_seen_at, now)
        viewer.broadcast_site = site or viewer.broadcast_site
        viewer.credited_seconds = round(viewer.credited_seconds + credited, 3)
        viewer.save(update_fields=["last_seen_at", "broadcast_site", "credited_seconds"])
    return {
        "credited_seconds": credited,
        "live_credited_seconds": viewer.credited_seconds,
        "elapsed": round(elapsed, 3),
        "status": broadcast.status,
        "site": site.site.name if site else "",
    }


def _credit_member(member_id: int, lesson_id: int, reported, elapsed: float, now: dt.datetime) -> float:
    """courses' own heartbeat service on the broadcast's lesson, with the broadcast so far as
    the "video": the same StudyProgress/StudyDay rows, per-lesson cap and per-member budget
    (a member cannot earn a live class and a lesson in another tab at once)."""
    member = Member.objects.get(pk=member_id)
    state = WatchableLesson(pk=lesson_id, duration_seconds=elapsed, is_playable=True)
    result = progress_heartbeat_apply(member=member, lesson=state, intervals=[list(i) for i in reported], now=now)
    return result.credited_seconds


# --- 收看点 sign-in and headcount ----------------------------------------------------------------------


def site_signin_token(broadcast_site: BroadcastSite, now: float | None = None) -> str:
    return signin.token_for(broadcast_site.pk, now, salt=SITE_SALT)


def site_sign_in(*, user, token: str) -> tuple[Attendance, bool, BroadcastSite]:
    """A member scanned a 收看点's QR: the training rules decide (class published, sign-in
    window, enrolment), lms.training records the attendance and credits the day, and the site
    is remembered for the department view. Idempotent; the first site a member signs in at
    stays theirs for the broadcast."""
    member_id = policy.member_id_for(user)
    if not member_id:
        raise SignInRefused("只有党员账号可以签到。")
    result = signin.token_check(token, salt=SITE_SALT)
    if not result.ok:
        raise SignInRefused(result.error)
    link = (
        BroadcastSite.objects.select_related("site", "broadcast__session__training_class")
        .filter(pk=result.session_id)
        .first()
    )
    if link is None or link.broadcast.status == LiveBroadcast.Status.CANCELLED:
        raise SignInRefused(signin.FORGED)
    session = link.broadcast.session
    reason = signin_refusal(session, member_id)
    if reason:
        raise SignInRefused(reason)
    with transaction.atomic():
        attendance, created = attendance_mark_present(session=session, member_id=member_id, source=Attendance.Source.QR)
        row, _ = SiteSignIn.objects.get_or_create(
            broadcast=link.broadcast, member_id=member_id, defaults={"broadcast_site": link}
        )
    return attendance, created, row.broadcast_site


@transaction.atomic
def site_headcount_record(*, user, broadcast_site: BroadcastSite, count) -> BroadcastSite:
    """The site's operator records how many people without phones are watching there."""
    link = BroadcastSite.objects.select_for_update().select_related("site").get(pk=broadcast_site.pk)
    if not policy.may_manage_school(user, link.site.school_id):
        raise PermissionDenied(NOT_OPERATOR)
    text = str(count if count is not None else "").strip()
    if not re.fullmatch(r"[0-9]{1,9}", text):
        raise ValidationError({"headcount": "现场人数必须是不小于0的整数（只能包含数字0-9）。"})
    count = int(text)
    if count > link.site.capacity:
        raise ValidationError({"headcount": f"现场人数超过该收看点的容量（{link.site.capacity} 人），请核对。"})
    before = link.headcount
    link.headcount, link.headcount_by, link.headcount_at = count, user, timezone.now()
    link.save(update_fields=["headcount", "headcount_by", "headcount_at"])
    audit_record(
        actor=user,
        action="live_headcount",
        obj=link.broadcast.session,
        summary=f"收看点人数登记：{link.site} {before} → {count}",
        changes={"site": link.site_id, "headcount": [before, count]},
    )
    return link
