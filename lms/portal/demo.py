"""Demo county for `seed_demo`: schools, teaching points, the organization tree, members and
logins for each role, modelled on 禹城市 in seed 003. Bulk inserts so that 101,599 members
(the district in seed 000) take well under two minutes on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.db import transaction

from lms.accounts.models import User
from lms.accounts.services import staff_assign
from lms.members.models import Member
from lms.organizations.models import PartyOrganization
from lms.schools.models import PartySchool, TeachingPoint

DEMO_PASSWORD = "Demo@2026"
DEMO_ACCOUNTS = {
    "admin": "超级管理员",
    "zuzhibu": "组织部工作人员（全市）",
    "shidangxiao": "市委党校工作人员",
    "lunzhen": "镇街党校工作人员（伦镇）",
    "fangsi": "镇街党校工作人员（房寺镇）",
    "dangyuan": "党员（伦镇）",
    "shuji": "支部书记（伦镇）",
    "jiangshi": "讲师",
}
COUNTY = "禹城市"
TOWNS = [
    "市中街道",
    "伦镇",
    "房寺镇",
    "张庄镇",
    "辛店镇",
    "安仁镇",
    "辛寨镇",
    "梁家镇",
    "十里望回族镇",
    "莒镇",
    "李屯乡",
]
TEACHING_POINTS = {
    # category: names in the style of seed 003 (some real, some invented per town)
    "party_spirit": ["革命纪念馆", "抗战纪念馆", "党群教育基地", "烈士陵园", "红色村史馆"],
    "model_village": ["田园综合体", "温室蔬菜大棚示范村", "三区同建社区", "美丽乡村示范点"],
    "industry": ["产业园", "现代农业产业园", "牧业有限公司", "食品工业园"],
    "practical": ["新时代农民实训中心", "职教中心实训基地", "电商直播实训基地"],
    "warning": ["禁毒教育基地", "廉政教育基地", "法治教育基地"],
}
VILLAGE_SUFFIX = ["村", "庄", "屯", "集", "店", "寨", "楼", "家村"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段漕钱汤尹黎易常武乔贺赖龚文"
GIVEN = "建国国华志强秀英桂英玉兰海燕丽娟明亮红梅文军永刚春花振华德胜凤英金山立新玉梅淑珍光明学军宏伟晓东家兴卫东小红云峰子涵思远雨轩博文欣怡浩然俊杰佳琪"


@dataclass
class DemoContext:
    """Shared state passed from step to step of seed_demo."""

    rng: random.Random
    members: int
    years: int
    today: dt.date
    log: callable
    city_school: PartySchool | None = None
    towns: list[PartySchool] = field(default_factory=list)
    branches: list[PartyOrganization] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (role label, username, password)

    @property
    def year(self) -> int:
        return self.today.year


def person_name(rng: random.Random) -> str:
    start = rng.randrange(0, len(GIVEN) // 2) * 2
    given = GIVEN[start : start + 2]
    return rng.choice(SURNAMES) + (given if rng.random() < 0.75 else given[0])


def _user(ctx: DemoContext, username: str, display: str, **extra) -> User:
    label = DEMO_ACCOUNTS[username]
    user, created = User.objects.get_or_create(username=username, defaults={"display_name": display, **extra})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    ctx.logins.append((label, username, DEMO_PASSWORD))
    return user


def _bulk_tree(root: PartyOrganization, children_spec: list[tuple[dict, list[dict]]]) -> list[PartyOrganization]:
    """Insert a two-level subtree under `root` in bulk with treebeard paths computed here."""
    rows: list[PartyOrganization] = []
    for i, (spec, grandchildren) in enumerate(children_spec, start=1):
        path = PartyOrganization._get_path(root.path, root.depth + 1, i)
        node = PartyOrganization(path=path, depth=root.depth + 1, numchild=len(grandchildren), **spec)
        rows.append(node)
        for j, gspec in enumerate(grandchildren, start=1):
            gpath = PartyOrganization._get_path(path, root.depth + 2, j)
            rows.append(PartyOrganization(path=gpath, depth=root.depth + 2, numchild=0, **gspec))
    PartyOrganization.objects.bulk_create(rows, batch_size=2000)
    PartyOrganization.objects.filter(pk=root.pk).update(numchild=len(children_spec))
    return rows


@transaction.atomic
def seed(ctx: DemoContext) -> None:
    rng = ctx.rng
    city = PartySchool.objects.create(
        name=f"中共{COUNTY}委党校", tier=PartySchool.Tier.CITY, region=COUNTY, address=f"{COUNTY}行政街1号"
    )
    ctx.city_school = city
    towns = [
        PartySchool(name=f"{t}党校", tier=PartySchool.Tier.TOWN, parent=city, region=t, address=f"{COUNTY}{t}政府院内")
        for t in TOWNS
    ]
    PartySchool.objects.bulk_create(towns)
    ctx.towns = list(PartySchool.objects.filter(tier=PartySchool.Tier.TOWN).order_by("id"))

    points = []
    categories = list(TEACHING_POINTS)
    for i, town in enumerate(ctx.towns):
        count = 3 + (i % 3)  # 3–5 per town
        chosen = [categories[(i + k) % len(categories)] for k in range(count)]
        for cat in chosen:
            base = rng.choice(TEACHING_POINTS[cat])
            name = f"{town.region}{base}"
            if any(p.name == name for p in points):
                name = f"{town.region}第二{base}"
            points.append(
                TeachingPoint(
                    name=name,
                    category=cat,
                    school=town,
                    capacity=rng.choice([40, 60, 80, 120]),
                    address=f"{town.region}",
                    description=f"{TeachingPoint.Category(cat).label}教学点",
                )
            )
    TeachingPoint.objects.bulk_create(points)

    # Organization tree: county committee → town committees/office committees → (general branches →) branches.
    root = PartyOrganization.add_root(name=f"中共{COUNTY}委员会", kind="committee", code="C000")
    # About 30 members per branch at county scale; a small seed keeps at least two members in
    # most branches so that every demo login (a branch secretary and an ordinary member) exists.
    n_branches = max(130, ctx.members // 30) if ctx.members >= 260 else max(27, ctx.members // 2)
    n_enterprise = max(8, n_branches // 15)
    n_government = max(8, n_branches // 15)
    n_town_branches = n_branches - n_enterprise - n_government
    spec: list[tuple[dict, list[dict]]] = []
    code = 0

    def next_code(prefix: str) -> str:
        nonlocal code
        code += 1
        return f"{prefix}{code:06d}"

    per_town = [n_town_branches // len(ctx.towns)] * len(ctx.towns)
    for k in range(n_town_branches % len(ctx.towns)):
        per_town[k] += 1
    for town, count in zip(ctx.towns, per_town, strict=True):
        branches = []
        for b in range(count):
            if b % 9 == 8:
                name, sector = f"{town.region}{_place(rng)}社区党支部", "community"
            else:
                name, sector = f"{town.region}{_place(rng)}党支部", "village"
            branches.append({"name": name, "kind": "branch", "sector": sector, "town": town, "code": next_code("B")})
        committee = "党工委" if town.region.endswith("街道") else "党委"
        spec.append(
            (
                {
                    "name": f"中共{town.region}{committee}",
                    "kind": "committee",
                    "sector": "other",
                    "town": town,
                    "code": next_code("T"),
                },
                branches,
            )
        )
    enterprise = [
        {
            "name": f"{rng.choice(ctx.towns).region}{_company(rng)}党支部",
            "kind": "branch",
            "sector": "enterprise",
            "town": rng.choice(ctx.towns),
            "code": next_code("E"),
        }
        for _ in range(n_enterprise)
    ]
    spec.append(
        (
            {
                "name": f"中共{COUNTY}非公有制经济组织委员会",
                "kind": "committee",
                "sector": "enterprise",
                "code": next_code("T"),
            },
            enterprise,
        )
    )
    government = [
        {
            "name": f"{COUNTY}{_office(rng, i)}党支部",
            "kind": "branch",
            "sector": "government",
            "town": ctx.towns[0],
            "code": next_code("G"),
        }
        for i in range(n_government)
    ]
    spec.append(
        (
            {
                "name": f"中共{COUNTY}直属机关工作委员会",
                "kind": "committee",
                "sector": "government",
                "code": next_code("T"),
            },
            government,
        )
    )
    _bulk_tree(root, spec)
    ctx.branches = list(PartyOrganization.objects.filter(kind="branch").order_by("path"))

    _seed_members(ctx)
    _seed_logins(ctx, root)


def _place(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(VILLAGE_SUFFIX)


def _company(rng: random.Random) -> str:
    return rng.choice(["华宇", "鲁晶", "福田", "金禾", "通裕", "保龄宝", "信诺", "禹王"]) + rng.choice(
        ["实业有限公司", "生物科技有限公司", "机械制造有限公司", "食品有限公司"]
    )


def _office(rng: random.Random, i: int) -> str:
    offices = [
        "教育和体育局",
        "卫生健康局",
        "财政局",
        "农业农村局",
        "自然资源局",
        "住房和城乡建设局",
        "交通运输局",
        "市场监督管理局",
        "人力资源和社会保障局",
        "民政局",
        "水利局",
        "司法局",
        "审计局",
        "统计局",
    ]
    return offices[i % len(offices)] + ("机关" if i < len(offices) else f"第{i // len(offices) + 1}")


def _seed_members(ctx: DemoContext) -> None:
    rng = ctx.rng
    branches = ctx.branches
    rows: list[Member] = []
    secretary_of: set[int] = set()
    for i in range(ctx.members):
        branch = branches[i % len(branches)]
        is_secretary = branch.pk not in secretary_of
        if is_secretary:
            secretary_of.add(branch.pk)
        is_village = branch.sector == "village" and (is_secretary or rng.random() < 0.12)
        join = ctx.today - dt.timedelta(days=rng.randint(200, 365 * 50))
        rows.append(
            Member(
                name=person_name(rng),
                member_no=f"YC{i + 1:07d}",
                branch=branch,
                gender="M" if rng.random() < 0.7 else "F",
                phone=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
                join_date=join,
                is_branch_secretary=is_secretary,
                is_village_committee=is_village,
                is_mobile=rng.random() < 0.06,
            )
        )
        if len(rows) >= 5000:
            Member.objects.bulk_create(rows)
            rows = []
    if rows:
        Member.objects.bulk_create(rows)


def _seed_logins(ctx: DemoContext, root: PartyOrganization) -> None:
    admin = _user(ctx, "admin", "系统管理员", is_superuser=True, is_staff=True)
    admin.is_superuser = admin.is_staff = True
    admin.save(update_fields=["is_superuser", "is_staff"])
    dept = _user(ctx, "zuzhibu", "市委组织部 李科长")
    staff_assign(user=dept, role="department", organization=root)
    city = _user(ctx, "shidangxiao", "市委党校 王老师")
    staff_assign(user=city, role="school", school=ctx.city_school)
    lunzhen = next(t for t in ctx.towns if t.region == "伦镇")
    fangsi = next(t for t in ctx.towns if t.region == "房寺镇")
    town_user = _user(ctx, "lunzhen", "伦镇党校 赵老师")
    staff_assign(user=town_user, role="school", school=lunzhen)
    other = _user(ctx, "fangsi", "房寺镇党校 孙老师")
    staff_assign(user=other, role="school", school=fangsi)
    # Members of 伦镇: an ordinary member and the branch secretary of the same village branch.
    # The first of 伦镇's branches (village ones first) that has both, whatever the seed size.
    ordinary = (
        Member.objects.filter(branch__town=lunzhen, is_branch_secretary=False, is_village_committee=False)
        .order_by("-branch__sector", "branch__path", "pk")  # 'village' sorts after 'community'/'enterprise'
        .first()
    )
    if ordinary is None:
        ordinary = Member.objects.filter(branch__town=lunzhen, is_branch_secretary=False).order_by("pk").first()
    branch = ordinary.branch if ordinary else None
    secretary = Member.objects.filter(branch=branch, is_branch_secretary=True).first()
    for member, username in [(ordinary, "dangyuan"), (secretary, "shuji")]:
        if member is None:
            continue
        user = _user(ctx, username, member.name)
        member.user = user
        member.save(update_fields=["user"])
    # The teacher login is linked to a teacher by the teachers step.
    _user(ctx, "jiangshi", "讲师账号")
