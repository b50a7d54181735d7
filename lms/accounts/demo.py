"""Demo step: one login per role (superuser, department, city and town school staff, an
ordinary member, a branch secretary, a teacher), all with the demo password."""

from __future__ import annotations

from django.db import transaction

from lms.demo import DemoContext
from lms.members.models import Member

from .models import User
from .services import staff_assign

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


def _user(ctx: DemoContext, username: str, display: str, **extra) -> User:
    label = DEMO_ACCOUNTS[username]
    user, created = User.objects.get_or_create(username=username, defaults={"display_name": display, **extra})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    ctx.logins.append((label, username, DEMO_PASSWORD))
    return user


@transaction.atomic
def seed(ctx: DemoContext) -> None:
    root = ctx.organization_root
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
