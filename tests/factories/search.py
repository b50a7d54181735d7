"""A small demo-like catalog for the search tests: courses and lessons with realistic Chinese
titles and bodies, a few teachers — plus things that must never be found (a draft course, a
private lesson, an inactive teacher with a phone number). Some courses and teachers belong to
a town or the city school (SCHOOL_TIERS), the rest to none (the organisation department)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from wagtail.models import Page, PageViewRestriction

from courses.models import CourseIndexPage, CoursePage, LessonPage
from courses.modules import Module
from lms.schools.models import PartySchool
from teachers.models import Teacher
from tests.factories.courses import site_root
from tests.factories.foundation import TownSchoolFactory

_seq = itertools.count(1)

G, P, T = Module.GENERAL, Module.PROFESSIONAL, Module.THEMATIC

# (course title, module, audiences, summary, [(lesson title, lesson body), ...])
CATALOG = [
    (
        "党章党规学习",
        G,
        [],
        "系统学习党内法规，增强纪律意识。",
        [
            ("集体学习党章", "逐条学习中国共产党章程，理解党员的义务和权利。"),
            ("党章修正案解读", "解读历次代表大会通过的修正案的主要内容。"),
            ("重温入党誓词", "面向党旗重温誓言，坚定理想信念，牢记初心使命。"),
        ],
    ),
    (
        "党史学习教育",
        G,
        [],
        "学党史、悟思想、办实事、开新局。",
        [
            ("新民主主义革命时期的党史", "从建党到新中国成立的光辉历程。"),
            ("改革开放史专题", "改革开放四十多年的历程与经验。"),
        ],
    ),
    (
        "乡村振兴专题",
        T,
        ["village_committee"],
        "围绕产业、人才、文化、生态、组织五个方面推进。",
        [
            ("乡村振兴战略解读", "产业兴旺、生态宜居、乡风文明、治理有效、生活富裕。"),
            ("5G赋能乡村数字化", "5G 网络与智慧农业，推进数字乡村建设。"),
            ("AI助力农业生产", "人工智能（AI）在病虫害识别与精准施肥中的应用。"),
            ("农村集体经济发展", "发展壮大村级集体经济的路径与案例。"),
        ],
    ),
    (
        "警示教育",
        T,
        [],
        "用身边事教育身边人。",
        [
            ("警示教育案例剖析", "以案为鉴、以案促改，深刻剖析典型案例。"),
            ("廉政教育专题片观后", "观看专题片，筑牢拒腐防变思想防线。"),
            ("禁毒教育基地参观", "珍爱生命，远离毒品。"),
        ],
    ),
    (
        "支部书记履职能力",
        P,
        ["branch_secretary"],
        "提升支部书记抓党建的能力。",
        [
            ("三会一课制度规范", "支部党员大会、支部委员会、党小组会和按时上好党课。"),
            ("主题党日活动设计", "每月固定一天开展主题党日。"),
            ("发展党员工作流程", "入党申请人、入党积极分子、发展对象、预备党员四个阶段。"),
        ],
    ),
    (
        "村两委干部实务",
        P,
        ["village_committee"],
        "村级组织运行的实务技能。",
        [
            ("村务公开与民主管理", "公开栏、村民代表会议与监督委员会。"),
            ("基层矛盾纠纷调解", "调解邻里纠纷的方法与技巧。"),
        ],
    ),
    (
        "流动党员教育管理",
        P,
        ["mobile"],
        "让外出党员离乡不离党。",
        [("流动党员如何参加组织生活", "通过线上方式参加三会一课，按时交纳党费。")],
    ),
    (
        "习近平新时代中国特色社会主义思想",
        G,
        [],
        "深入学习贯彻党的创新理论。",
        [
            ("新时代党的建设总要求", "以政治建设为统领，全面推进党的各方面建设。"),
            ("全面从严治党", "推进党风廉政建设和反腐败斗争。"),
        ],
    ),
    (
        "法治教育",
        T,
        [],
        "尊法学法守法用法。",
        [
            ("宪法学习", "学习宪法，维护宪法权威。"),
            ("民法典与农村生活", "土地承包、婚姻家庭与继承。"),
        ],
    ),
]

TEACHERS = [
    ("王建国", Teacher.Kind.LEADER, "市委组织部", "部长", "长期从事组织工作，主讲党章党规。"),
    ("李明华", Teacher.Kind.EXPERT, "市委党校", "教授", "研究乡村振兴与农村经济。"),
    ("张秀英", Teacher.Kind.ROLE_MODEL, "甲村党支部", "书记", "带领村民发展集体经济的身边榜样。"),
]


# Course title or teacher name → tier of its school; everything else has no school.
SCHOOL_TIERS = {
    "乡村振兴专题": PartySchool.Tier.TOWN,
    "村两委干部实务": PartySchool.Tier.TOWN,
    "党史学习教育": PartySchool.Tier.CITY,
    "法治教育": PartySchool.Tier.CITY,
    "张秀英": PartySchool.Tier.TOWN,
    "李明华": PartySchool.Tier.CITY,
}


@dataclass
class Catalog:
    index: CourseIndexPage
    courses: dict[str, CoursePage] = field(default_factory=dict)
    lessons: dict[str, LessonPage] = field(default_factory=dict)
    teachers: dict[str, Teacher] = field(default_factory=dict)
    schools: dict[str, PartySchool] = field(default_factory=dict)  # by tier
    draft_course: CoursePage | None = None
    draft_lesson: LessonPage | None = None
    private_lesson: LessonPage | None = None
    inactive_teacher: Teacher | None = None

    def key(self, kind: str, object_id: int) -> str:
        """'lesson:集体学习党章' etc. for readable assertions."""
        pool = {"lesson": self.lessons, "course": self.courses, "teacher": self.teachers}[kind]
        for title, obj in pool.items():
            if obj.pk == object_id:
                return f"{kind}:{title}"
        return f"{kind}:#{object_id}"


def _slug() -> str:
    return f"s{next(_seq)}"


def add_course(
    index: Page, title: str, module: str, audiences: list[str], summary: str, live=True, school=None
) -> CoursePage:
    return index.add_child(
        instance=CoursePage(
            title=title, slug=_slug(), module=module, audiences=audiences, summary=summary, live=live, school=school
        )
    )


def add_lesson(course: Page, title: str, body: str, live=True) -> LessonPage:
    return course.add_child(instance=LessonPage(title=title, slug=_slug(), body=f"<p>{body}</p>", live=live))


def build_catalog() -> Catalog:
    root = site_root()  # transactional tests may have flushed Wagtail's initial site
    index = root.add_child(instance=CourseIndexPage(title="课程中心", slug=_slug()))
    town = TownSchoolFactory()
    cat = Catalog(index=index, schools={PartySchool.Tier.TOWN: town, PartySchool.Tier.CITY: town.parent})
    for title, module, audiences, summary, lessons in CATALOG:
        course = add_course(index, title, module, audiences, summary, school=cat.schools.get(SCHOOL_TIERS.get(title)))
        cat.courses[title] = course
        for lesson_title, body in lessons:
            cat.lessons[lesson_title] = add_lesson(course, lesson_title, body)
    # Never searchable: a draft course (and its lesson), a login-restricted lesson.
    cat.draft_course = add_course(index, "草稿课程党章测试", G, [], "尚未发布的党章课程", live=False)
    cat.draft_lesson = add_lesson(cat.draft_course, "未发布的党章课", "草稿党章", live=True)
    cat.private_lesson = add_lesson(cat.courses["党章党规学习"], "内部党章资料", "仅限内部的党章材料")
    PageViewRestriction.objects.create(page=cat.private_lesson, restriction_type=PageViewRestriction.LOGIN)
    for name, kind, unit, title, bio in TEACHERS:
        cat.teachers[name] = Teacher.objects.create(
            name=name, kind=kind, unit=unit, title=title, biography=bio, school=cat.schools.get(SCHOOL_TIERS.get(name))
        )
    cat.inactive_teacher = Teacher.objects.create(
        name="赵停用",
        kind=Teacher.Kind.EXPERT,
        unit="已调离单位",
        biography="主讲党章",
        phone="13800000000",
        is_active=False,
    )
    return cat
