"""A passed quiz may complete a course: issue its certificate (lms.quizzes sends `quiz_passed`
after the grading transaction commits). Lessons completed without a quiz are picked up when
the member opens their certificates or archive (course_certificates_claim)."""

from .tasks import course_certificate_issue_task


def _quiz_passed(sender, member=None, quiz=None, **kwargs):
    if member is not None and quiz is not None and quiz.course_id:
        course_certificate_issue_task.delay(member.pk, quiz.course_id)


def connect() -> None:
    from lms.quizzes.signals import quiz_passed

    quiz_passed.connect(_quiz_passed, dispatch_uid="records_quiz_passed")


connect()
