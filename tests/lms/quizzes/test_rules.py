import pytest

from lms.quizzes.rules import AnswerError, grade, is_pass, parse_answers

DRAW = [[10, [101, 102, 103]], [20, [201, 202]], [30, [301, 302, 303, 304]]]
CORRECT = {10: frozenset({102}), 20: frozenset({201}), 30: frozenset({301, 303})}


def test_pass_mark_is_a_share_of_right_answers():
    assert is_pass(score=3, total=5, pass_percent=60)
    assert not is_pass(score=2, total=5, pass_percent=60)
    assert is_pass(score=5, total=5, pass_percent=100)
    assert not is_pass(score=0, total=0, pass_percent=60)


def test_multiple_choice_needs_exactly_the_right_set():
    chosen = parse_answers({"10": ["102"], "20": [201], "30": [301]}, draw=DRAW)
    graded = grade(draw=DRAW, chosen=chosen, correct=CORRECT, pass_percent=60)
    assert [i["right"] for i in graded.items] == [True, True, False]
    assert graded.score == 2 and graded.total == 3 and graded.passed
    too_many = parse_answers({"30": [301, 302, 303]}, draw=DRAW)
    assert grade(draw=DRAW, chosen=too_many, correct=CORRECT, pass_percent=60).items[2]["right"] is False


def test_unanswered_is_wrong():
    graded = grade(draw=DRAW, chosen=parse_answers({}, draw=DRAW), correct=CORRECT, pass_percent=60)
    assert graded.score == 0 and not graded.passed


@pytest.mark.parametrize(
    "answers",
    [
        {"99": [101]},  # a question that was not drawn
        {"10": [201]},  # an option of another question
        {"10": ["abc"]},
        {"10": ["١٠٢"]},  # non-ASCII digits
        {"10": [True]},
        {"10": [2**63]},
        [1, 2],
        {"10": [101, 102, 103, 101]},  # more options than the question has
    ],
)
def test_forged_answers_are_refused_whole(answers):
    with pytest.raises(AnswerError):
        parse_answers(answers, draw=DRAW)
