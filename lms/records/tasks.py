"""Celery tasks: take ids, load, call a service. Issuing and printing are idempotent (unique
constraint; jobs claimed by a conditional update), so a repeated delivery does nothing new."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from courses.models import CoursePage, StudyProgress
from lms.members.models import Member
from lms.training.models import TrainingClass

from .models import ArchiveJob
from .selectors import classes_closed_between
from .services import archive_job_run, class_certificates_issue, course_certificate_issue, course_certificates_claim


@shared_task(acks_late=True)
def class_certificates_issue_task(class_id: int) -> int:
    training_class = TrainingClass.objects.filter(pk=class_id).first()
    if training_class is None:
        return 0
    return class_certificates_issue(training_class=training_class)


@shared_task(acks_late=True)
def certificates_sweep() -> int:
    """Beat (hourly): issue the certificates of classes whose last session ended in the last
    two days, and course certificates of members who completed a lesson in that time (two
    days, so a missed run is caught up; issuing twice issues once)."""
    now = timezone.now()
    since = now - dt.timedelta(days=3)
    issued = 0
    for training_class in classes_closed_between(since, now):
        issued += class_certificates_issue(training_class=training_class, now=now)
    member_ids = StudyProgress.objects.filter(completed_at__gte=since).values_list("member_id", flat=True).distinct()
    for member in Member.objects.filter(pk__in=list(member_ids), is_active=True):
        issued += course_certificates_claim(member=member)
    return issued


@shared_task(acks_late=True)
def course_certificate_issue_task(member_id: int, course_id: int) -> bool:
    member = Member.objects.filter(pk=member_id).first()
    course = CoursePage.objects.filter(pk=course_id).select_related("school").first()
    if member is None or course is None:
        return False
    return course_certificate_issue(member=member, course=course) is not None


@shared_task(acks_late=True, soft_time_limit=3 * 3600)
def archive_job_run_task(job_id: int) -> None:
    job = ArchiveJob.objects.filter(pk=job_id).select_related("branch", "member", "created_by").first()
    if job is not None:
        archive_job_run(job=job)
