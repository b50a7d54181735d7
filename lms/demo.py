"""The demo county every demo step builds on (`manage.py seed_demo`): the context passed from
step to step, the county and its towns (modelled on 禹城市 in seed 003) and demo person names."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from lms.organizations.models import PartyOrganization
from lms.schools.models import PartySchool

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
    organization_root: PartyOrganization | None = None
    branches: list[PartyOrganization] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (role label, username, password)

    @property
    def year(self) -> int:
        return self.today.year


def person_name(rng: random.Random) -> str:
    start = rng.randrange(0, len(GIVEN) // 2) * 2
    given = GIVEN[start : start + 2]
    return rng.choice(SURNAMES) + (given if rng.random() < 0.75 else given[0])
