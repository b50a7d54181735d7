"""Writes for 结业证书 and the archive print jobs.

Issuing is idempotent by construction: one certificate per member and class (or course) is
a unique constraint, and every issuing path inserts with ON CONFLICT DO NOTHING, so running
the job twice — or twice at the same moment in two workers — issues once."""

from __future__ import annotations

import datetime as dt
import secrets
import zipfile
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from courses.models import CoursePage, StudyProgress
from courses.selectors import courses_completed
from lms.audit.services import audit_record
from lms.members.models import Member
from lms.quizzes.selectors import member_passes
from lms.training.models import TrainingClass

from .models import ArchiveJob, Certificate
from .selectors import (
    archive_branches_for,
    archive_members_for,
    branch_members,
    class_is_closed,
    class_qualified_member_ids,
    may_print_archives,
    may_revoke,
)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed from paper
CODE_LENGTH = 12
REASON_MAX = 300


class RecordsError(Exception):
    """A refused request, with the Chinese message to show and the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def certificate_code_new() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _school_name(school) -> str:
    return school.name if school is not None else "党校在线"


# --- class certificates -------------------------------------------------------------------------


def class_certificates_issue(*, training_class: TrainingClass, now: dt.datetime | None = None) -> int:
    """Issue the certificates of a closed class to every member present at all its required
    sessions (lms.records.selectors.class_qualified_member_ids). Returns how many were new.
    Refuses a class that has not closed yet (nothing is certified before it happened)."""
    now = now or timezone.now()
    training_class = TrainingClass.objects.select_related("school").get(pk=training_class.pk)
    if not class_is_closed(training_class, now):
        raise RecordsError("班次尚未结业（须已发布且最后一个课次已结束），不能发证。")
    ids = class_qualified_member_ids(training_class)
    if not ids:
        return 0
    issued_on = timezone.localtime(now).date()
    names = dict(Member.objects.filter(pk__in=ids).values_list("pk", "name"))
    school = training_class.school
    rows = [
        Certificate(
            member_id=pk,
            training_class=training_class,
            school=school,
            code=certificate_code_new(),
            member_name=names[pk],
            title=training_class.title,
            school_name=_school_name(school),
            issued_on=issued_on,
        )
        for pk in ids
    ]
    Certificate.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    # The rows this run inserted are the ones carrying its (random, unique) codes; a row another
    # run inserted first kept that run's code.
    return Certificate.objects.filter(code__in=[r.code for r in rows]).count()


def class_certificates_request(*, training_class: TrainingClass, actor) -> None:
    """Staff pressed 结业发证: check now (clear message), issue in a Celery job after commit."""
    from .selectors import may_issue_for_class
    from .tasks import class_certificates_issue_task

    if not may_issue_for_class(actor, training_class):
        raise RecordsError("只有主办党校的工作人员可以为该班次发证。", status=403)
    if not class_is_closed(training_class):
        raise RecordsError("班次尚未结业（须已发布且最后一个课次已结束），不能发证。")
    audit_record(
        actor=actor, action="certificates_issue", obj=training_class, summary=f"结业发证：{training_class.title}"
    )
    transaction.on_commit(lambda: class_certificates_issue_task.delay(training_class.pk))


# --- course certificates --------------------------------------------------------------------------


def course_certificate_issue(*, member: Member, course: CoursePage) -> Certificate | None:
    """Issue the member's certificate of `course` if they completed it (every live lesson and,
    where the course requires it, its quiz passed: courses.selectors.courses_completed).
    Returns the certificate (new or existing), or None if the course is not complete."""
    existing = Certificate.objects.filter(member=member, course=course).first()
    if existing is not None:
        return existing
    if not courses_completed(member, [course.pk]).get(course.pk):
        return None
    school = course.school
    try:
        with transaction.atomic():
            return Certificate.objects.create(
                member=member,
                course=course,
                school=school,
                code=certificate_code_new(),
                member_name=member.name,
                title=course.title,
                school_name=_school_name(school),
                issued_on=timezone.localdate(),
            )
    except IntegrityError:  # issued at the same moment by another request or worker
        return Certificate.objects.filter(member=member, course=course).first()


def course_certificates_claim(*, member: Member) -> int:
    """Issue every course certificate the member has earned but not yet received: courses in
    which they completed a lesson or passed a quiz. Called when the member opens their
    certificates or archive, after a quiz pass, and by the nightly sweep. Returns how many."""
    from wagtail.models import Page

    steplen = Page.steplen
    lesson_paths = StudyProgress.objects.filter(member=member, completed_at__isnull=False).values_list(
        "lesson__path", flat=True
    )
    paths = {p[:-steplen] for p in lesson_paths}
    course_ids = set(CoursePage.objects.filter(path__in=paths).values_list("pk", flat=True))
    course_ids |= {p.quiz.course_id for p in member_passes(member) if p.quiz.course_id}
    course_ids -= set(
        Certificate.objects.filter(member=member, course__isnull=False).values_list("course_id", flat=True)
    )
    if not course_ids:
        return 0
    done = [pk for pk, ok in courses_completed(member, course_ids).items() if ok]
    issued = 0
    for course in CoursePage.objects.filter(pk__in=done).select_related("school"):
        if course_certificate_issue(member=member, course=course) is not None:
            issued += 1
    return issued


# --- revocation -------------------------------------------------------------------------------


def certificate_revoke(*, certificate: Certificate, actor, reason: str) -> Certificate:
    """Revoke a certificate with a reason (scoped: lms.records.selectors.may_revoke). Its
    verification page says 已撤销 from then on; the row stays for the record."""
    if not may_revoke(actor, certificate):
        raise RecordsError("您无权撤销该证书。", status=403)
    reason = (reason or "").strip()
    if not reason:
        raise RecordsError("请填写撤销原因。")
    if len(reason) > REASON_MAX:
        raise RecordsError(f"撤销原因最多{REASON_MAX}字。")
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.status == Certificate.Status.REVOKED:
            raise RecordsError("该证书已撤销。", status=409)
        locked.status = Certificate.Status.REVOKED
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor
        locked.revoke_reason = reason
        locked.full_clean()
        locked.save(update_fields=["status", "revoked_at", "revoked_by", "revoke_reason"])
        audit_record(
            actor=actor,
            action="certificate_revoke",
            obj=locked,
            summary=f"撤销证书：{locked.member_name}《{locked.title}》",
            changes={"status": ["valid", "revoked"], "reason": ["", reason]},
        )
    return locked


# --- archive print jobs ------------------------------------------------------------------------


def archive_dir() -> Path:
    """Printed archives hold personal data: under LMS_VAR_DIR/archives, outside MEDIA_ROOT,
    handed out by a view after the scope check."""
    path = Path(getattr(settings, "RECORDS_ARCHIVE_DIR", None) or Path(settings.VAR_DIR) / "archives")
    path.mkdir(parents=True, exist_ok=True)
    return path


def archive_job_create(*, user, branch=None, member=None) -> ArchiveJob:
    """Queue a print of one member's archive or a whole branch's (scoped: the same selectors
    as the pages). Another town's branch or member is refused as not found."""
    if (branch is None) == (member is None):
        raise RecordsError("请选择一个支部或一名党员。")
    if not may_print_archives(user):
        raise RecordsError("只有党校、组织部工作人员和支部书记可以批量打印档案。", status=403)
    if branch is not None:
        if not archive_branches_for(user).filter(pk=branch.pk).exists():
            raise RecordsError("未找到该支部。", status=404)
        total = branch_members(branch).count()
    else:
        if not archive_members_for(user).filter(pk=member.pk).exists():
            raise RecordsError("未找到该党员。", status=404)
        total = 1
    with transaction.atomic():
        job = ArchiveJob.objects.create(created_by=user, branch=branch, member=member, total=total)
        audit_record(actor=user, action="archive_print", obj=job, summary=f"打印学习档案：{job.subject}")
    from .tasks import archive_job_run_task

    transaction.on_commit(lambda: archive_job_run_task.delay(job.pk))
    return job


def _safe_filename(text: str) -> str:
    return "".join(ch for ch in text if ch not in '\\/:*?"<>|\0\r\n\t').strip() or "档案"


def archive_job_run(*, job: ArchiveJob) -> ArchiveJob:
    """Render the archives of the job (a PDF per member, plus the branch's xlsx summary) into
    one zip, updating `done` after each member. Claimed by a conditional update, so a repeated
    delivery of the same task does nothing."""
    from .documents import archive_pdf, archive_xlsx, branch_summary_xlsx
    from .selectors import member_archive

    claimed = ArchiveJob.objects.filter(pk=job.pk, status=ArchiveJob.Status.QUEUED).update(
        status=ArchiveJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return ArchiveJob.objects.get(pk=job.pk)
    job.refresh_from_db()
    # Re-check the scope at run time: the requester's rights may have changed since.
    if job.branch_id:
        members = list(branch_members(job.branch).filter(pk__in=archive_members_for(job.created_by).values("pk")))
    else:
        members = list(archive_members_for(job.created_by).filter(pk=job.member_id))
    ArchiveJob.objects.filter(pk=job.pk).update(total=len(members))
    name = f"archives-{job.pk}-{secrets.token_hex(8)}.zip"
    target = archive_dir() / name
    try:
        today = timezone.localdate()
        archives = []
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for done, member in enumerate(members, start=1):
                archive = member_archive(member, today=today)
                stem = _safe_filename(f"{member.member_no}-{member.name}")
                zf.writestr(f"{stem}-学习档案.pdf", archive_pdf(archive))
                if job.member_id:
                    zf.writestr(f"{stem}-学习档案.xlsx", archive_xlsx(archive))
                archives.append(_summary_row(archive))
                ArchiveJob.objects.filter(pk=job.pk).update(done=done)
            if job.branch_id:
                zf.writestr(
                    f"{_safe_filename(job.branch.name)}-档案汇总.xlsx", branch_summary_xlsx(job.branch, archives)
                )
    except Exception as exc:
        target.unlink(missing_ok=True)
        ArchiveJob.objects.filter(pk=job.pk).update(
            status=ArchiveJob.Status.FAILED, finished_at=timezone.now(), message=f"生成失败：{exc}"[:300]
        )
        raise
    ArchiveJob.objects.filter(pk=job.pk).update(
        status=ArchiveJob.Status.DONE,
        file=name,
        finished_at=timezone.now(),
        message=f"共 {len(members)} 人",
    )
    job.refresh_from_db()
    return job


def _summary_row(archive) -> dict:
    """What the branch summary sheet lists per member: this year's figures (the quota's)."""
    this_year = archive.years[0] if archive.years else None
    return {
        "member_no": archive.member.member_no,
        "name": archive.member.name,
        "year": this_year.year if this_year else None,
        "days": this_year.days if this_year else 0,
        "hours": this_year.total_hours if this_year else 0,
        "all_met": this_year.all_met if this_year else False,
        "window_days": this_year.window_days if this_year else 0,
        "certificates": len(archive.certificates),
        "points": this_year.points if this_year else None,
    }
