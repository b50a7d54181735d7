"""Demo step: the county party school, the town branch schools and 3–5 grassroots teaching
points per town, in the style of seed 003."""

from __future__ import annotations

from django.db import transaction

from lms.demo import COUNTY, TOWNS, DemoContext

from .models import PartySchool, TeachingPoint

TEACHING_POINTS = {
    # category: names in the style of seed 003 (some real, some invented per town)
    "party_spirit": ["革命纪念馆", "抗战纪念馆", "党群教育基地", "烈士陵园", "红色村史馆"],
    "model_village": ["田园综合体", "温室蔬菜大棚示范村", "三区同建社区", "美丽乡村示范点"],
    "industry": ["产业园", "现代农业产业园", "牧业有限公司", "食品工业园"],
    "practical": ["新时代农民实训中心", "职教中心实训基地", "电商直播实训基地"],
    "warning": ["禁毒教育基地", "廉政教育基地", "法治教育基地"],
}


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
