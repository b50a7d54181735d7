import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from lms.quizzes.models import Attempt, QuizPass
from lms.quizzes.selectors import member_passed, passed_member_ids
from lms.quizzes.services import QuizError, attempt_start, attempt_submit
from lms.quizzes.signals import quiz_passed
from tests.factories.courses import make_course, make_index
from tests.factories.quizzes import make_quiz, right_answers, wrong_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    """What `quiz_passed` receivers got (sent on commit: wrap submissions in commit_callbacks)."""
    calls = []

    def receiver(sender, **kwargs):
        calls.append(kwargs)

    quiz_passed.connect(receiver)
    yield calls
    quiz_passed.disconnect(receiver)


def test_the_server_draws_and_stores_the_questions(roles, course_a):
    quiz = make_quiz(course_a, questions=8, question_count=5)
    attempt = attempt_start(user=roles.member_a_user, quiz=quiz)
    assert len(attempt.draw) == 5 and attempt.total == 5
    assert len({q for q, _ in attempt.draw}) == 5
    # reloading resumes the same attempt: no redraw to fish for easier questions
    assert attempt_start(user=roles.member_a_user, quiz=quiz).pk == attempt.pk
    assert Attempt.objects.filter(member=roles.member_a).count() == 1


def test_option_order_is_random_per_attempt(roles, course_a):
    """The correct option is not always in the same place (it would give the answer away)."""
    quiz = make_quiz(course_a, questions=1, kinds=("single",))
    positions = set()
    for _ in range(30):
        attempt = attempt_start(user=roles.member_a_user, quiz=quiz)
        question_id, option_ids = attempt.draw[0]
        correct = int(right_answers(attempt)[str(question_id)][0])
        positions.add(option_ids.index(correct))
        attempt_submit(user=roles.member_a_user, attempt_id=attempt.pk, answers={})
    assert len(positions) > 1


def test_wrong_submission_fails_and_right_one_passes(roles, quiz_a, received, django_capture_on_commit_callbacks):
    user = roles.member_a_user
    attempt = attempt_start(user=user, quiz=quiz_a)
    with django_capture_on_commit_callbacks(execute=True):
        failed = attempt_submit(user=user, attempt_id=attempt.pk, answers=wrong_answers(attempt)).attempt
    assert failed.passed is False and failed.score == 0
    assert not member_passed(roles.member_a, quiz_a)
    assert received == []
    second = attempt_start(user=user, quiz=quiz_a)
    assert second.pk != attempt.pk
    with django_capture_on_commit_callbacks(execute=True):
        passed = attempt_submit(user=user, attempt_id=second.pk, answers=right_answers(second)).attempt
    assert passed.passed is True and passed.score == passed.total == 3
    year = timezone.localdate().year
    assert member_passed(roles.member_a, quiz_a) and member_passed(roles.member_a, quiz_a, year)
    assert passed_member_ids(quiz_a.pk, year) == {roles.member_a.pk}
    assert passed_member_ids(quiz_a.pk, year - 1) == set()
    assert len(received) == 1
    assert received[0]["member"] == roles.member_a and received[0]["attempt"] == passed
    # a later pass in the same year is stored but is not a new first pass
    third = attempt_start(user=user, quiz=quiz_a)
    with django_capture_on_commit_callbacks(execute=True):
        assert attempt_submit(user=user, attempt_id=third.pk, answers=right_answers(third)).first_pass is False
    assert len(received) == 1 and QuizPass.objects.count() == 1


def test_forged_question_ids_are_refused_and_nothing_is_graded(roles, course_a):
    quiz = make_quiz(course_a, questions=6, question_count=2)
    user = roles.member_a_user
    attempt = attempt_start(user=user, quiz=quiz)
    drawn = {q for q, _ in attempt.draw}
    other = next(q for q in quiz.course.quiz_questions.values_list("pk", flat=True) if q not in drawn)
    from lms.quizzes.models import Option

    forged = {str(other): list(Option.objects.filter(question_id=other, is_correct=True).values_list("pk", flat=True))}
    with pytest.raises(QuizError) as exc:
        attempt_submit(user=user, attempt_id=attempt.pk, answers=forged)
    assert "不属于本次答题" in str(exc.value)
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and attempt.result == []


def test_another_members_attempt_cannot_be_submitted(roles, quiz_a):
    attempt = attempt_start(user=roles.member_a_user, quiz=quiz_a)
    with pytest.raises(QuizError):
        attempt_submit(user=roles.member_b_user, attempt_id=attempt.pk, answers=right_answers(attempt))
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_double_submit_counts_once(roles, quiz_a, received, django_capture_on_commit_callbacks):
    user = roles.member_a_user
    attempt = attempt_start(user=user, quiz=quiz_a)
    with django_capture_on_commit_callbacks(execute=True):
        first = attempt_submit(user=user, attempt_id=attempt.pk, answers=right_answers(attempt))
        again = attempt_submit(user=user, attempt_id=attempt.pk, answers=wrong_answers(attempt))
    assert first.counted_now and not again.counted_now
    assert again.attempt.passed and again.attempt.score == 3  # the first submission stands
    assert len(received) == 1 and QuizPass.objects.count() == 1


def test_a_submission_after_the_time_limit_is_refused(roles, course_a):
    quiz = make_quiz(course_a, questions=2, time_limit_minutes=10)
    user = roles.member_a_user
    start = timezone.now() - dt.timedelta(minutes=11)
    attempt = attempt_start(user=user, quiz=quiz, now=start)
    with pytest.raises(QuizError) as exc:
        attempt_submit(user=user, attempt_id=attempt.pk, answers=right_answers(attempt))
    assert "已超过答题时限（10 分钟）" in str(exc.value) and exc.value.status == 409
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and not QuizPass.objects.exists()
    # the expired attempt is not resumed: a new start draws a new one
    assert attempt_start(user=user, quiz=quiz).pk != attempt.pk


def test_within_the_limit_is_accepted(roles, course_a):
    quiz = make_quiz(course_a, questions=2, time_limit_minutes=10)
    attempt = attempt_start(user=roles.member_a_user, quiz=quiz, now=timezone.now() - dt.timedelta(minutes=9))
    assert attempt_submit(
        user=roles.member_a_user, attempt_id=attempt.pk, answers=right_answers(attempt)
    ).attempt.passed


def test_staff_and_outsiders_do_not_take_quizzes(roles, quiz_a):
    for user in (roles.town_a_staff, roles.nobody):
        with pytest.raises(QuizError):
            attempt_start(user=user, quiz=quiz_a)
    assert not Attempt.objects.exists()


def test_an_empty_bank_says_so(roles, course_a):
    quiz = make_quiz(course_a, questions=0, question_count=3)
    with pytest.raises(QuizError) as exc:
        attempt_start(user=roles.member_a_user, quiz=quiz)
    assert "题库暂无可用题目" in str(exc.value)


def test_a_lesson_quiz_draws_only_that_lessons_questions(roles, course_a):
    lesson = course_a.get_children().first().specific
    make_quiz(course_a, questions=4)  # course-wide questions
    quiz = make_quiz(course_a, questions=2, question_count=5, lesson=lesson)
    attempt = attempt_start(user=roles.member_a_user, quiz=quiz)
    assert set(quiz.course.quiz_questions.filter(lesson=lesson).values_list("pk", flat=True)) == {
        q for q, _ in attempt.draw
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_submissions_count_once(roles, received):
    """Real parallel requests: the attempt row lock makes one of them grade it (PostgreSQL; the
    test suite's in-memory SQLite cannot be shared by threads)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    course = make_course(make_index(), school=roles.tree.town_a)
    quiz = make_quiz(course, questions=3)
    user = roles.member_a_user
    attempt = attempt_start(user=user, quiz=quiz)
    answers = right_answers(attempt)
    barrier = threading.Barrier(6)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(attempt_submit(user=user, attempt_id=attempt.pk, answers=answers).counted_now)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == [False] * 5 + [True]
    assert QuizPass.objects.filter(member=roles.member_a).count() == 1
    assert len(received) == 1
