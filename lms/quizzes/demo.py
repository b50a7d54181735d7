"""Demo step: the annual 党章党规 test on the course “集体学习党章” (a bank of ten questions from
the Party Constitution, five drawn per attempt, pass at 60 %, required for the course to count as
complete) and a short lesson quiz on “党员的义务和权利”. Registered in seed_demo's STEPS after
courses.demo; `quizzes_demo(ctx)` can also be called on its own after the catalog exists."""

from __future__ import annotations

from django.db import transaction

from courses.models import CoursePage, LessonPage

from .models import Option, Question, Quiz

COURSE_TITLE = "集体学习党章"
LESSON_TITLE = "党员的义务和权利"
ANNUAL_QUIZ_TITLE = "党章党规年度测试"

S, M, TF = Question.Kind.SINGLE, Question.Kind.MULTIPLE, Question.Kind.TRUE_FALSE
# (kind, question, [(option, correct)], explanation, for the lesson quiz too)
BANK = [
    (S, "中国共产党的最高理想和最终目标是（　）。",
     [("实现共产主义", True), ("全面建成小康社会", False), ("基本实现社会主义现代化", False), ("实现祖国完全统一", False)],
     "党章总纲：党的最高理想和最终目标是实现共产主义。", False),
    (S, "党的最高领导机关是（　）。",
     [("党的全国代表大会和它所产生的中央委员会", True), ("中央政治局", False), ("中央书记处", False), ("中央纪律检查委员会", False)],
     "党章第十条：党的最高领导机关，是党的全国代表大会和它所产生的中央委员会。", False),
    (TF, "预备党员的预备期为一年。", [("对", True), ("错", False)], "党章第七条：预备党员的预备期为一年。", True),
    (S, "党员如果没有正当理由，连续（　）不参加党的组织生活，或不交纳党费，或不做党所分配的工作，就被认为是自行脱党。",
     [("三个月", False), ("六个月", True), ("九个月", False), ("十二个月", False)],
     "党章第九条：连续六个月。", True),
    (M, "党的纪律主要包括（　）。（多选）",
     [("政治纪律", True), ("组织纪律", True), ("廉洁纪律", True), ("财务报销纪律", False)],
     "党章第四十条：政治纪律、组织纪律、廉洁纪律、群众纪律、工作纪律、生活纪律。", False),
    (TF, "企业、农村、机关等基层单位，凡是有正式党员三人以上的，都应当成立党的基层组织。", [("对", True), ("错", False)],
     "党章第三十条。", False),
    (S, "党在社会主义初级阶段的基本路线的核心内容可概括为（　）。",
     [("一个中心、两个基本点", True), ("两个一百年", False), ("四个全面", False), ("五位一体", False)],
     "以经济建设为中心，坚持四项基本原则，坚持改革开放。", False),
    (M, "下列属于党的纪律处分的有（　）。（多选）",
     [("警告", True), ("留党察看", True), ("开除党籍", True), ("罚款", False)],
     "党章第四十二条：警告、严重警告、撤销党内职务、留党察看、开除党籍。", False),
    (TF, "党员有权在党的会议上和党报党刊上，参加关于党的政策问题的讨论。", [("对", True), ("错", False)],
     "党章第四条规定的党员权利。", True),
    (S, "留党察看最长不超过（　）。", [("半年", False), ("一年", False), ("两年", True), ("三年", False)],
     "党章第四十二条：留党察看最长不超过两年。", False),
]  # fmt: skip


@transaction.atomic
def quizzes_demo(ctx) -> None:
    """Make the demo quizzes (idempotent: nothing is added when the annual test exists)."""
    course = CoursePage.objects.filter(title=COURSE_TITLE).first()
    if course is None:
        ctx.log("    quizzes: no course “集体学习党章” in the catalog, no demo quiz")
        return
    if Quiz.objects.filter(course=course, title=ANNUAL_QUIZ_TITLE).exists():
        return
    lesson = LessonPage.objects.child_of(course).filter(title=LESSON_TITLE).first()
    for kind, text, options, explanation, for_lesson in BANK:
        question = Question.objects.create(
            course=course, lesson=lesson if for_lesson else None, kind=kind, text=text, explanation=explanation
        )
        Option.objects.bulk_create(
            Option(question=question, text=option, is_correct=correct, sort_order=i)
            for i, (option, correct) in enumerate(options)
        )
    Quiz.objects.create(
        title=ANNUAL_QUIZ_TITLE,
        course=course,
        intro="每年一次的党章党规知识测试，每次随机抽取 5 道题，答对 60% 即为通过，可多次作答。",
        question_count=5,
        pass_percent=60,
        required_for_completion=True,
    )
    if lesson is not None:
        Quiz.objects.create(
            title="本讲小测验：党员的义务和权利", course=course, lesson=lesson, question_count=3, pass_percent=60
        )
    ctx.log(f"    quizzes: {len(BANK)} questions on “{COURSE_TITLE}”, annual test required for completion")


seed = quizzes_demo
