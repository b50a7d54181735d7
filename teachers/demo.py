"""Demo teacher pool for `seed_demo`: 263 teachers as in seed 003 (149 领导干部, 69 专家教授,
45 身边榜样) with units, titles and specialties, the yearly rosters of the last `ctx.years`
years with a few adjustments each year, and the `jiangshi` login linked to one teacher."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from lms.accounts.models import User
from lms.demo import COUNTY, TOWNS, person_name
from lms.schools.models import PartySchool

from .models import RosterEntry, RosterYear, Teacher, TeacherSpecialty
from .services import roster_entry_add, roster_entry_remove, roster_year_open

COUNTS = {Teacher.Kind.LEADER: 149, Teacher.Kind.EXPERT: 69, Teacher.Kind.ROLE_MODEL: 45}

LEADER_POSTS = [
    (f"中共{COUNTY}委", ["书记", "副书记", "常委、组织部部长", "常委、宣传部部长", "常委、纪委书记"]),
    (f"中共{COUNTY}委组织部", ["副部长", "组织科科长", "干部科科长"]),
    (f"中共{COUNTY}委宣传部", ["副部长", "理论科科长"]),
    (f"中共{COUNTY}委政法委员会", ["副书记"]),
    (f"{COUNTY}人民政府", ["副市长"]),
    (f"{COUNTY}农业农村局", ["局长", "副局长"]),
    (f"{COUNTY}民政局", ["局长"]),
    (f"{COUNTY}司法局", ["局长"]),
    (f"{COUNTY}应急管理局", ["局长"]),
    (f"{COUNTY}市场监督管理局", ["局长"]),
    (f"中共{COUNTY}纪律检查委员会", ["常委", "党风政风监督室主任"]),
    (f"{COUNTY}退役军人事务局", ["局长"]),
]
TOWN_POSTS = ["党委书记", "党委副书记", "镇长", "组织委员", "宣传委员", "纪委书记"]
EXPERT_UNITS = [
    ("中共山东省委党校（山东行政学院）", ["教授", "副教授", "讲师"]),
    ("中共德州市委党校", ["教授", "副教授", "高级讲师"]),
    (f"中共{COUNTY}委党校", ["高级讲师", "讲师", "副校长"]),
    ("德州学院马克思主义学院", ["教授", "副教授"]),
    ("山东农业大学", ["教授", "研究员", "副教授"]),
    ("山东省农业科学院", ["研究员", "副研究员"]),
    ("德州市农业科学研究院", ["高级农艺师", "研究员"]),
    ("山东师范大学", ["教授"]),
    (f"{COUNTY}人民医院", ["主任医师"]),
    ("德州市律师协会", ["律师"]),
]
ROLE_MODEL_TITLES = [
    "村党支部书记、全国劳动模范",
    "村党支部书记、省级优秀共产党员",
    "村党支部书记",
    "合作社理事长、致富带头人",
    "退役军人、优秀共产党员",
    "乡村医生、省级道德模范",
    "返乡创业大学生",
    "企业党组织书记",
    "网格员、优秀党务工作者",
    "非遗传承人",
]
TOPICS = {
    "leader": [
        ("general", "习近平新时代中国特色社会主义思想"),
        ("general", "党的二十大精神"),
        ("general", "党章党规"),
        ("professional", "基层党组织建设"),
        ("professional", "村“两委”履职"),
        ("professional", "发展党员工作"),
        ("thematic", "乡村振兴"),
        ("thematic", "全面从严治党"),
        ("thematic", "基层治理"),
        ("thematic", "安全生产与应急管理"),
    ],
    "expert": [
        ("general", "党史"),
        ("general", "新中国史"),
        ("general", "马克思主义基本原理"),
        ("general", "党的创新理论"),
        ("professional", "农业技术推广"),
        ("professional", "农村集体经济"),
        ("professional", "法律实务"),
        ("professional", "电商与直播带货"),
        ("thematic", "乡村振兴"),
        ("thematic", "生态文明建设"),
        ("thematic", "廉政警示教育"),
    ],
    "role_model": [
        ("thematic", "乡村振兴"),
        ("thematic", "美丽乡村建设"),
        ("professional", "村集体经济发展"),
        ("professional", "支部工作法"),
        ("thematic", "移风易俗"),
        ("thematic", "红色传承"),
        ("professional", "合作社经营"),
    ],
}
ADD_REASONS = ["新聘专家", "组织推荐", "群众推荐", "先进典型选树", "补充专题师资"]
REMOVE_REASONS = ["工作调动", "年度考核不合格", "本人申请退出", "退休", "授课任务不足"]


def _teacher(rng, kind: str, i: int) -> Teacher:
    name = person_name(rng)
    if kind == Teacher.Kind.LEADER:
        if rng.random() < 0.45:
            town = rng.choice(TOWNS)
            unit, title = f"中共{COUNTY}{town}委员会", rng.choice(TOWN_POSTS)
            if title == "镇长":
                unit = f"{COUNTY}{town}人民政府"
        else:
            unit, posts = rng.choice(LEADER_POSTS)
            title = rng.choice(posts)
        bio = f"现任{unit}{title}，长期从事{rng.choice(['基层党建', '组织', '宣传思想', '农业农村', '政法'])}工作。"
    elif kind == Teacher.Kind.EXPERT:
        unit, titles = rng.choice(EXPERT_UNITS)
        title = rng.choice(titles)
        bio = f"{unit}{title}，主要研究方向为{rng.choice(['党史党建', '马克思主义中国化', '农村经济', '基层治理', '法治建设'])}。"
    else:
        town = rng.choice(TOWNS)
        unit = f"{town}{rng.choice(['前', '后', '东', '西', '南', '北', '大', '小'])}{rng.choice(['王', '李', '张', '刘', '陈', '赵'])}{rng.choice(['庄', '村', '屯', '集'])}"
        title = rng.choice(ROLE_MODEL_TITLES)
        bio = f"{unit}{title}，带领群众{rng.choice(['发展特色产业', '建设美丽乡村', '壮大集体经济', '创办合作社'])}，事迹多次被报道。"
    return Teacher(
        name=name,
        kind=kind,
        unit=unit,
        title=title,
        biography=bio,
        phone=f"13{rng.randrange(3, 10)}{rng.randrange(10**8):08d}",
        email=f"t{i:03d}@yucheng.example.cn" if kind != Teacher.Kind.ROLE_MODEL and rng.random() < 0.6 else "",
    )


def _home_school_name(unit: str) -> str:
    """The school a teacher belongs to, read from the unit: the county party school's own
    teachers, and town cadres and role models (their town's school); "" for everyone else."""
    if unit == f"中共{COUNTY}委党校":
        return unit
    town = next((t for t in TOWNS if t in unit), "")
    return f"{town}党校" if town else ""


@transaction.atomic
def seed(ctx) -> None:
    rng = ctx.rng
    teachers: list[Teacher] = []
    for kind, count in COUNTS.items():
        teachers += [_teacher(rng, kind, len(teachers) + k) for k in range(count)]
    schools = PartySchool.objects.in_bulk(field_name="name")
    for t in teachers:
        t.school = schools.get(_home_school_name(t.unit))
    Teacher.objects.bulk_create(teachers)
    teachers = list(Teacher.objects.order_by("id"))
    specialties = []
    for t in teachers:
        for module, topic in rng.sample(TOPICS[t.kind], k=rng.choice([1, 2, 2, 3])):
            specialties.append(TeacherSpecialty(teacher=t, module=module, topic=topic))
    TeacherSpecialty.objects.bulk_create(specialties)

    actor = User.objects.filter(username="zuzhibu").first() or User.objects.filter(is_superuser=True).first()
    first_year = ctx.year - ctx.years + 1
    # Some teachers join the roster only in later years, so each year has additions.
    shuffled = teachers[:]
    rng.shuffle(shuffled)
    reserve = shuffled[: max(0, 5 * (ctx.years - 1))]
    held_back = {t.pk for t in reserve}
    initial = [t for t in teachers if t.pk not in held_back]
    roster = RosterYear.objects.create(year=first_year, opened_by=actor, note="首批师资库名录")
    RosterEntry.objects.bulk_create(
        [RosterEntry(roster=roster, teacher=t, reason="首批入库", added_by=actor) for t in initial]
    )
    RosterEntry.objects.filter(roster=roster).update(added_at=_at(first_year, 1, 10))
    for year in range(first_year + 1, ctx.year + 1):
        roster = roster_year_open(year=year, actor=actor, note=f"{year}年度师资调整")
        active = list(roster.entries.filter(removed_at__isnull=True).select_related("teacher"))
        for entry in rng.sample(active, k=min(len(active), rng.randint(3, 6))):
            roster_entry_remove(entry=entry, actor=actor, reason=rng.choice(REMOVE_REASONS))
        for teacher in reserve[:5]:
            roster_entry_add(year=year, teacher=teacher, actor=actor, reason=rng.choice(ADD_REASONS))
        reserve = reserve[5:]
        RosterEntry.objects.filter(roster=roster, removed_at__isnull=True).update(added_at=_at(year, 1, 10))
        RosterEntry.objects.filter(roster=roster, removed_at__isnull=False).update(
            added_at=_at(year, 1, 10), removed_at=_at(year, rng.randint(2, 6), rng.randint(1, 28))
        )
    _link_login(ctx)
    ctx.log(
        f"    师资库 {len(teachers)} 名（领导干部 {COUNTS['leader']}、专家教授 {COUNTS['expert']}、"
        f"身边榜样 {COUNTS['role_model']}），{ctx.years} 个年度名录"
    )


def _at(year: int, month: int, day: int) -> dt.datetime:
    when = dt.datetime(year, month, day, 9, 0, tzinfo=timezone.get_current_timezone())
    return min(when, timezone.now())


def _link_login(ctx) -> None:
    user = User.objects.filter(username="jiangshi").first()
    if user is None:
        return
    teacher = (
        Teacher.objects.filter(
            kind=Teacher.Kind.EXPERT,
            roster_entries__roster__year=ctx.year,
            roster_entries__removed_at__isnull=True,
            user__isnull=True,
        )
        .order_by("id")
        .first()
    )
    if teacher:
        teacher.user = user
        teacher.save(update_fields=["user"])
        if not user.display_name or user.display_name == "讲师账号":
            user.display_name = f"{teacher.name}（讲师）"
            user.save(update_fields=["display_name"])
