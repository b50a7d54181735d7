"""seed_demo step (after training, courses and quizzes; before points and quotas): 学习心得
written by some members about classes they attended this year, most already reviewed by
their branch secretary, and a pending one by the demo member ``dangyuan`` for ``shuji`` to
review right after seeding. Written through the services, so the rules hold."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from lms.accounts.models import User
from lms.members.models import Member
from lms.training.models import CreditedDay, TrainingClass

from .models import Reflection
from .services import reflection_review, reflection_submit

SHARE_WRITING = 0.15  # of the (member, class) pairs of this year
MAX_REFLECTIONS = 400
OPENINGS = [
    "通过参加{title}，我对新时代党的创新理论有了更加深刻的理解。",
    "这次{title}内容丰富、形式多样，让我受益匪浅。",
    "参加{title}以后，我重新认识了自己作为一名党员的责任。",
]
MIDDLE = (
    "在集体学习党章和重温入党誓词的环节中，我深深感到初心使命不能忘；老师结合基层实际讲解政策，"
    "让我明白了如何把学到的理论用到村里的具体工作中去。今后我要在带头致富、服务群众、移风易俗等方面"
    "发挥先锋模范作用，经常向身边榜样学习，按时参加组织生活，主动为支部建设出主意、办实事。"
)
COMMENTS_OK = ["体会真切，联系实际，同意。", "认识深刻，希望在工作中落实。", "写得很好。"]
COMMENT_RETURN = "请结合本村（本单位）的实际工作再谈谈具体打算。"


def _body(rng, title: str) -> str:
    return rng.choice(OPENINGS).format(title=title) + MIDDLE


def _secretary_user(member: Member):
    secretary = (
        Member.objects.filter(branch_id=member.branch_id, is_branch_secretary=True, is_active=True, user__isnull=False)
        .exclude(pk=member.pk)
        .select_related("user")
        .first()
    )
    return secretary.user if secretary else None


def _reviewer(member: Member, fallback):
    return _secretary_user(member) or fallback


@transaction.atomic
def seed(ctx) -> None:
    rng = ctx.rng
    year = ctx.year
    department = User.objects.filter(username="zuzhibu").first() or User.objects.filter(is_superuser=True).first()
    pairs = list(
        CreditedDay.objects.filter(day__year=year, member__is_active=True)
        .values_list("member_id", "training_class_id")
        .distinct()
        .order_by("member_id", "training_class_id")
    )
    chosen = [p for p in pairs if rng.random() < SHARE_WRITING][:MAX_REFLECTIONS]
    members = Member.objects.in_bulk({m for m, _ in chosen})
    classes = TrainingClass.objects.in_bulk({c for _, c in chosen})
    written = approved = returned = 0
    for member_id, class_id in chosen:
        member, cls = members[member_id], classes[class_id]
        at = timezone.make_aware(dt.datetime.combine(min(cls.end_date + dt.timedelta(days=1), ctx.today), dt.time(20)))
        r = reflection_submit(
            member=member, training_class=cls, title=f"参加{cls.title[:40]}的体会", body=_body(rng, cls.title), now=at
        )
        written += 1
        reviewer = _reviewer(member, department)
        roll = rng.random()
        if reviewer is None or roll < 0.2:
            continue  # still pending
        if roll < 0.3:
            reflection_review(reflection=r, reviewer=reviewer, decision="return", comment=COMMENT_RETURN)
            returned += 1
        else:
            reflection_review(reflection=r, reviewer=reviewer, decision="approve", comment=rng.choice(COMMENTS_OK))
            approved += 1
    demo = _demo_member_pending(ctx)
    ctx.log(f"    学习心得：{written}篇（通过{approved}，退回{returned}）{'，dangyuan 有一篇待审核' if demo else ''}")


def _demo_member_pending(ctx) -> Reflection | None:
    """A pending reflection by ``dangyuan`` (on a class they attended) for ``shuji`` to review."""
    member = Member.objects.filter(user__username="dangyuan").first()
    if member is None:
        return None
    existing = Reflection.objects.filter(member=member, status=Reflection.Status.PENDING).first()
    if existing:
        return existing
    done = Reflection.objects.filter(member=member).values("training_class_id")
    credited = (
        CreditedDay.objects.filter(member=member, day__lte=ctx.today)
        .exclude(training_class_id__in=done)
        .select_related("training_class")
        .order_by("-day")
        .first()
    )
    if credited is None:
        return None
    cls = credited.training_class
    return reflection_submit(
        member=member, training_class=cls, title=f"参加{cls.title[:40]}的体会", body=_body(ctx.rng, cls.title)
    )
