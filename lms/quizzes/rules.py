"""The grading rules of a quiz attempt, as plain functions (no database): what counts as a
right answer, the score, and the pass mark."""

from __future__ import annotations

from dataclasses import dataclass


class AnswerError(ValueError):
    """A submission the server refuses as a whole (forged or malformed); the message is Chinese."""


@dataclass(frozen=True)
class Graded:
    score: int
    total: int
    passed: bool
    # per drawn question, in drawn order: {"question", "chosen", "correct", "right"}
    items: list[dict]


def is_pass(*, score: int, total: int, pass_percent: int) -> bool:
    """Passed when the share of right answers reaches the pass mark (60 % of 5 → 3 right)."""
    return total > 0 and score * 100 >= pass_percent * total


def parse_answers(answers, *, draw: list) -> dict[int, frozenset[int]]:
    """Check a submission against the attempt's draw: every question answered must be one that
    was drawn, every option chosen must be one drawn for that question. Anything else is a
    forged submission and refused whole (nothing is graded)."""
    drawn = {int(q): {int(o) for o in options} for q, options in draw}
    if answers is None:
        answers = {}
    if not isinstance(answers, dict):
        raise AnswerError("答案格式不正确。")
    if len(answers) > len(drawn):
        raise AnswerError("提交的题目数超过本次抽到的题目。")
    out: dict[int, frozenset[int]] = {}
    for raw_question, raw_options in answers.items():
        question = _as_id(raw_question)
        if question not in drawn:
            raise AnswerError("提交的题目不属于本次答题，提交无效。")
        if raw_options is None:
            raw_options = []
        if not isinstance(raw_options, (list, tuple, set, frozenset)):
            raw_options = [raw_options]
        if len(raw_options) > len(drawn[question]):
            raise AnswerError("选项数量不正确。")
        options = frozenset(_as_id(o) for o in raw_options)
        if not options <= drawn[question]:
            raise AnswerError("提交的选项不属于该题，提交无效。")
        out[question] = options
    return out


def _as_id(raw) -> int:
    if isinstance(raw, bool):
        raise AnswerError("题目或选项编号不正确。")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 19:
        value = int(raw)
    else:
        raise AnswerError("题目或选项编号不正确。")
    if not 0 < value < 2**63:
        raise AnswerError("题目或选项编号不正确。")
    return value


def grade(*, draw: list, chosen: dict[int, frozenset[int]], correct: dict[int, frozenset[int]], pass_percent: int):
    """A question is right when the chosen options are exactly its correct ones (a multiple-choice
    question with one option missing or one too many is wrong). Unanswered is wrong."""
    items = []
    score = 0
    for question, _options in draw:
        question = int(question)
        right_options = correct.get(question, frozenset())
        mine = chosen.get(question, frozenset())
        right = bool(right_options) and mine == right_options
        score += right
        items.append({"question": question, "chosen": sorted(mine), "correct": sorted(right_options), "right": right})
    total = len(draw)
    return Graded(
        score=score, total=total, passed=is_pass(score=score, total=total, pass_percent=pass_percent), items=items
    )
