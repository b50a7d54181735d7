"""Quiz rows for the door world (tests/ops/doors_world.py EXTRA_ROWS): each town's course gets a
quiz with its bank, and the town's first member a passed attempt, so every quiz viewset has
another town's row to be refused."""

from lms.quizzes.models import Attempt, QuizPass
from tests.factories.quizzes import make_quiz


def quiz_rows(town, letter: str) -> None:
    from django.utils import timezone

    quiz = make_quiz(town.course, questions=2, title=f"{letter}镇测验")
    now = timezone.now()
    attempt = Attempt.objects.create(
        quiz=quiz,
        member=town.members[0],
        draw=[[q.pk, list(q.options.values_list("pk", flat=True))] for q in quiz.course.quiz_questions.all()],
        started_at=now,
        submitted_at=now,
        score=2,
        total=2,
        passed=True,
    )
    QuizPass.objects.create(
        quiz=quiz, member=town.members[0], year=timezone.localdate(now).year, attempt=attempt, passed_at=now
    )
