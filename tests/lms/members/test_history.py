"""Issue #19 acceptance: member writes keep history, the roster import goes through them,
and the quota rules read what they recorded."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lms.members.models import Member, MemberBranchPeriod, MemberCategory, MemberCategoryPeriod
from lms.members.selectors import member_history
from lms.members.services import member_upsert
from lms.quotas.models import MemberYearStatus, RuleKind
from lms.quotas.rules import evaluate_member
from lms.quotas.services import quota_status_refresh
from lms.roster.models import ImportJob
from tests.factories import MemberFactory
from tests.factories.foundation import make_branch
from tests.factories.quotas import credit, make_class
from tests.factories.roster import sheet_upload

from ..roster.helpers import run_import

pytestmark = pytest.mark.django_db


def _year() -> int:
    """The latest year whose 1 August has passed (changes are never recorded ahead of time)."""
    today = timezone.localdate()
    return today.year if today >= dt.date(today.year, 8, 2) else today.year - 1


def _training_days(member, year):
    return next(r for r in evaluate_member(member, year) if r.kind == RuleKind.TRAINING_DAYS)


def test_roster_import_records_cadre_and_branch_move_and_quotas_read_them(roles, settings, tmp_path):
    settings.ROSTER_IMPORT_DIR = str(tmp_path / "imports")
    year = _year()
    tree = roles.tree
    new_branch = make_branch(tree.committee_a, tree.town_a, name="甲镇二村党支部")
    cadre = MemberFactory(branch=tree.branch_a, member_no="C001", name="王村干", join_date=dt.date(2010, 7, 1))
    mover = MemberFactory(branch=tree.branch_a, member_no="C002", name="李转接", join_date=dt.date(2012, 7, 1))
    school_class = make_class(tree.town_a, dt.date(year, 3, 10))
    credit(mover, dt.date(year, 3, 10), school_class)
    assert _training_days(cadre, year).required == 1  # an ordinary member before the import

    rows = [
        {"党员编号": "C001", "姓名": "王村干", "所在支部": "甲镇一村党支部", "人员类别": "村两委",
         "入党日期": "2010-07-01", "变动日期": f"{year}-08-01"},
        {"党员编号": "C002", "姓名": "李转接", "所在支部": "甲镇二村党支部", "人员类别": "普通党员",
         "入党日期": "2012-07-01", "变动日期": f"{year}年8月1日"},
    ]  # fmt: skip
    job = run_import(roles.town_a_staff, sheet_upload(rows))
    assert job.status == ImportJob.Status.DONE, job.message
    assert job.updated_count == 2 and job.history_count == 2

    # The first now owes two training days this year (village cadre from 1 August) …
    cadre.refresh_from_db()
    assert cadre.is_village_committee
    owed = _training_days(cadre, year)
    assert owed.required == 2 and MemberCategory.VILLAGE_COMMITTEE.value in owed.details["categories"]
    # … but not in the year before, when they did not hold the office.
    assert _training_days(cadre, year - 1).required == 1

    # The second's days credited in the old branch still count; reports place them in the new one.
    mover.refresh_from_db()
    assert mover.branch == new_branch
    moved = _training_days(mover, year)
    assert moved.actual == 1 and moved.status == "met"
    quota_status_refresh(year=year)
    status = MemberYearStatus.objects.get(member=mover, year=year)
    assert status.branch_id == new_branch.pk and status.days_this_year == 1

    # Both changes are in the members' history, with their dates.
    assert [(e.kind, e.label, e.start, e.end) for e in member_history(cadre)] == [
        ("category", "村“两委”成员", dt.date(year, 8, 1), None)
    ]
    assert [(e.kind, e.label, e.start, e.end) for e in member_history(mover)] == [
        ("branch", "甲镇一村党支部", dt.date(2012, 7, 1), dt.date(year, 7, 31)),
        ("branch", "甲镇二村党支部", dt.date(year, 8, 1), None),
    ]

    # Importing the same file again changes nothing and records nothing twice.
    again = run_import(roles.town_a_staff, sheet_upload(rows))
    assert again.unchanged_count == 2 and again.history_count == 0
    assert MemberCategoryPeriod.objects.filter(member=cadre).count() == 1
    assert MemberBranchPeriod.objects.filter(member=mover).count() == 2


def test_job_effective_date_applies_to_rows_without_their_own(roles, settings, tmp_path):
    from lms.roster.services import import_job_apply, import_job_confirm, import_job_create, import_job_validate

    settings.ROSTER_IMPORT_DIR = str(tmp_path / "imports")
    year = _year()
    member = MemberFactory(branch=roles.tree.branch_a, member_no="S001", join_date=dt.date(2000, 7, 1))
    rows = [{"党员编号": "S001", "姓名": member.name, "所在支部": "甲镇一村党支部", "人员类别": "支部书记",
             "入党日期": "2000-07-01"}]  # fmt: skip
    job = import_job_create(
        user=roles.town_a_staff, upload=sheet_upload(rows), kind="members",
        effective_date=dt.date(year, 6, 1), run_async=False,
    )  # fmt: skip
    job = import_job_validate(job=job)
    import_job_confirm(job=job, user=roles.town_a_staff, run_async=False)
    import_job_apply(job=job)
    period = MemberCategoryPeriod.objects.get(member=member)
    assert (period.category, period.start, period.end) == ("branch_secretary", dt.date(year, 6, 1), None)


def test_change_dates_in_the_future_or_before_joining_are_row_errors(roles, settings, tmp_path):
    from lms.roster.services import ImportNotAllowed, import_job_create

    from ..roster.helpers import errors_of, preview

    settings.ROSTER_IMPORT_DIR = str(tmp_path / "imports")
    MemberFactory(branch=roles.tree.branch_a, member_no="D001", join_date=dt.date(2020, 7, 1))
    future = timezone.localdate() + dt.timedelta(days=3)
    rows = [
        {"党员编号": "D001", "姓名": "甲", "所在支部": "甲镇一村党支部", "人员类别": "村两委",
         "入党日期": "2020-07-01", "变动日期": future.isoformat()},
        {"党员编号": "D001", "姓名": "甲", "所在支部": "甲镇一村党支部", "人员类别": "村两委",
         "入党日期": "2020-07-01", "变动日期": "2019-01-01"},
    ]  # fmt: skip
    job = preview(roles.town_a_staff, sheet_upload(rows[:1]))
    assert errors_of(job) == [(2, "变动日期", "变动日期不能晚于今天")]
    job = preview(roles.town_a_staff, sheet_upload(rows[1:]))
    assert errors_of(job) == [(2, "变动日期", "变动日期 2019-01-01 早于入党日期 2020-07-01")]
    with pytest.raises(ImportNotAllowed):
        import_job_create(user=roles.town_a_staff, upload=sheet_upload(rows[:1]), kind="members", effective_date=future)


def test_member_upsert_records_history_and_refuses_bad_dates(roles):
    tree = roles.tree
    other = make_branch(tree.committee_a, tree.town_a, name="甲镇三村党支部")
    m = member_upsert(member_no="U1", name="赵", branch=tree.branch_a, join_date=dt.date(2015, 7, 1))
    assert member_history(m) == []  # a new member: the flags hold from the start
    day = timezone.localdate() - dt.timedelta(days=10)
    m = member_upsert(
        member_no="U1", name="赵", branch=other, join_date=dt.date(2015, 7, 1), on=day,
        categories={"is_mobile": True}, actor=roles.department,
    )  # fmt: skip
    assert {(e.kind, e.start) for e in member_history(m)} >= {("category", day), ("branch", day)}
    assert Member.objects.get(pk=m.pk).branch == other
    with pytest.raises(ValidationError):
        member_upsert(
            member_no="U1", name="赵", branch=tree.branch_a, join_date=dt.date(2015, 7, 1),
            on=timezone.localdate() + dt.timedelta(days=1),
        )  # fmt: skip
    assert Member.objects.get(pk=m.pk).branch == other


def test_quota_import_paths_still_work():
    from lms.quotas.models import MemberBranchPeriod as QBranch
    from lms.quotas.models import MemberCategoryPeriod as QCategory
    from lms.quotas.services import member_branch_move, member_category_set

    assert QBranch is MemberBranchPeriod and QCategory is MemberCategoryPeriod
    assert member_branch_move.__module__ == member_category_set.__module__ == "lms.members.services"
    assert MemberCategoryPeriod._meta.db_table == "quotas_membercategoryperiod"


def test_member_admin_inspect_shows_history_in_scope(roles, login):
    year = _year()
    member = roles.member_a
    from lms.members.services import member_category_set

    member_category_set(member=member, category="village_committee", held=True, on=dt.date(year, 8, 1))
    url = f"/admin/snippets/members/member/inspect/{member.pk}/"
    page = login(roles.superuser).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "类别与组织关系变动" in html and f"{year}-08-01 至今，担任村“两委”成员" in html
    assert login(roles.town_b_staff).get(url).status_code in (403, 404, 302)


def test_history_api_is_scoped(roles, login):
    from lms.members.services import member_branch_move

    tree = roles.tree
    new_branch = make_branch(tree.committee_a, tree.town_a, name="甲镇四村党支部")
    day = timezone.localdate() - dt.timedelta(days=30)
    member_branch_move(member=roles.member_a, branch=new_branch, on=day)
    url = f"/api/v1/members/{roles.member_a.pk}/history/"
    data = login(roles.member_a_user).get(url).json()
    assert [(e["kind"], e["label"], e["end"]) for e in data] == [
        ("branch", "甲镇一村党支部", (day - dt.timedelta(days=1)).isoformat()),
        ("branch", "甲镇四村党支部", None),
    ]
    assert login(roles.town_a_staff).get(url).status_code == 200
    assert login(roles.town_b_staff).get(url).status_code == 404
    assert login(roles.member_b_user).get(url).status_code == 404
