"""Award points when a quiz is passed (lms.quizzes sends `quiz_passed` after its transaction
commits). Lesson completion and credited class days reach points through
lms.quotas.services.quota_members_touch (the writes that change those facts already call it);
approved reflections award in lms.reflections.services.reflection_review."""

from lms.quizzes.signals import quiz_passed

from .services import points_award, quiz_pass_fact


def _quiz_passed(sender, member=None, quiz=None, attempt=None, quiz_pass=None, **kwargs):
    if quiz_pass is not None:
        points_award(fact=quiz_pass_fact(quiz_pass))


quiz_passed.connect(_quiz_passed, dispatch_uid="points_quiz_passed")
