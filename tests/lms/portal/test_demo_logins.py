"""Every README demo login exists after seed_demo at any supported size (issue #14 item 15:
small seeds used to leave `dangyuan` out when each branch had only its secretary)."""

from io import StringIO

import pytest
from django.core.management import call_command

from lms.accounts.demo import DEMO_ACCOUNTS
from lms.accounts.models import User
from lms.members.models import Member

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("members", [50, 77, 259])
def test_every_demo_login_exists_on_a_small_seed(members):
    call_command(
        "seed_demo",
        "--members",
        str(members),
        "--skip",
        "courses.demo",
        "--skip",
        "search.demo",
        stdout=StringIO(),
    )
    assert set(User.objects.filter(username__in=DEMO_ACCOUNTS).values_list("username", flat=True)) == set(DEMO_ACCOUNTS)
    dangyuan = Member.objects.select_related("branch__town").get(user__username="dangyuan")
    shuji = Member.objects.get(user__username="shuji")
    assert dangyuan.branch.town.region == "伦镇" and not dangyuan.is_branch_secretary
    assert shuji.is_branch_secretary and shuji.branch_id == dangyuan.branch_id
    assert User.objects.get(username="jiangshi").teacher is not None
    for username in DEMO_ACCOUNTS:
        assert User.objects.get(username=username).check_password("Demo@2026")
