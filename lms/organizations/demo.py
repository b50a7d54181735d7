"""Demo step: the organization tree — county committee → town committees and the two county
working committees → branches (village, community, enterprise, government) — with codes, bulk
inserted with treebeard paths computed here."""

from __future__ import annotations

import random

from django.db import transaction

from lms.demo import COUNTY, SURNAMES, DemoContext

from .models import PartyOrganization

VILLAGE_SUFFIX = ["村", "庄", "屯", "集", "店", "寨", "楼", "家村"]


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
    ctx.organization_root = root
    ctx.branches = list(PartyOrganization.objects.filter(kind="branch").order_by("path"))


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
