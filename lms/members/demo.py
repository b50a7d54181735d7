"""Demo step: ``ctx.members`` party members spread over the demo branches (a secretary per
branch, village cadres among village members, some mobile members), bulk inserted so that
101,599 members (the district in seed 000) take well under two minutes on PostgreSQL."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from lms.demo import DemoContext, person_name

from .models import Member


@transaction.atomic
def seed(ctx: DemoContext) -> None:
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
