import datetime as dt
from decimal import Decimal

import pytest

from lms.members.models import Member, MemberCategory
from lms.quotas.models import QuotaRule, RuleKind, RuleStatus
from lms.quotas.rules import evaluate_member
from lms.quotas.selectors import members_ranked_by_need, members_with_quota_status
from lms.quotas.services import member_branch_move, member_category_set, quota_year_open
from tests.factories import MemberFactory
from tests.factories.quotas import credit, credit_class, make_class, study

pytestmark = pytest.mark.django_db
D = dt.date


def by_kind(results):
    return {r.kind: r for r in results}


def test_ordinary_member_needs_one_day_at_town_school(tree):
    m = MemberFactory(branch=tree.branch_a)
    r = by_kind(evaluate_member(m, 2025, today=D(2025, 6, 1)))
    assert set(r) == {RuleKind.TRAINING_DAYS, RuleKind.FIVE_YEAR_ROTATION, RuleKind.STUDY_HOURS}
    assert r[RuleKind.TRAINING_DAYS].status == RuleStatus.NOT_MET
    assert r[RuleKind.TRAINING_DAYS].missing == 1
    assert "还差1天" in r[RuleKind.TRAINING_DAYS].explanation
    credit(m, D(2025, 5, 10), make_class(tree.town_a, D(2025, 5, 10)))
    r = by_kind(evaluate_member(m, 2025, today=D(2025, 6, 1)))
    assert r[RuleKind.TRAINING_DAYS].status == RuleStatus.MET
    assert r[RuleKind.FIVE_YEAR_ROTATION].status == RuleStatus.MET


def test_at_risk_only_from_warning_date_until_year_end(tree):
    m = MemberFactory(branch=tree.branch_a)
    status = lambda today: by_kind(evaluate_member(m, 2025, today=today))[RuleKind.TRAINING_DAYS].status  # noqa: E731
    assert status(D(2025, 9, 30)) == RuleStatus.NOT_MET
    assert status(D(2025, 10, 1)) == RuleStatus.AT_RISK
    assert status(D(2025, 12, 31)) == RuleStatus.AT_RISK
    assert status(D(2026, 1, 1)) == RuleStatus.NOT_MET


def test_year_boundaries_and_class_spanning_two_years(tree):
    m = MemberFactory(branch=tree.branch_a, is_village_committee=True)
    cls = make_class(tree.town_a, D(2024, 12, 31), D(2025, 1, 1))
    credit_class(m, cls)
    r24 = by_kind(evaluate_member(m, 2024, today=D(2025, 3, 1)))
    r25 = by_kind(evaluate_member(m, 2025, today=D(2025, 3, 1)))
    # village committee member needs 2 days; each year got exactly one of the class's days
    assert r24[RuleKind.TRAINING_DAYS].actual == 1 and r24[RuleKind.TRAINING_DAYS].required == 2
    assert r24[RuleKind.TRAINING_DAYS].status == RuleStatus.NOT_MET
    assert r25[RuleKind.TRAINING_DAYS].actual == 1
    assert r24[RuleKind.STUDY_HOURS].details["inperson_hours"] == Decimal("4")


def test_two_classes_same_day_count_once_and_village_school_not_counted(tree):
    m = MemberFactory(branch=tree.branch_a)
    credit(m, D(2025, 4, 1), make_class(tree.town_a, D(2025, 4, 1)))
    credit(m, D(2025, 4, 1), make_class(tree.city, D(2025, 4, 1)))
    r = by_kind(evaluate_member(m, 2025, today=D(2025, 5, 1)))
    assert r[RuleKind.TRAINING_DAYS].actual == 1
    quota_year_open(year=2025)
    QuotaRule.objects.filter(year=2025, kind=RuleKind.TRAINING_DAYS, category="ordinary").update(
        required=2, min_school_tier="city"
    )
    r = by_kind(evaluate_member(m, 2025, today=D(2025, 5, 1)))
    assert r[RuleKind.TRAINING_DAYS].actual == 1 and r[RuleKind.TRAINING_DAYS].required == 2
    assert "市(县)委党校" in r[RuleKind.TRAINING_DAYS].explanation


def test_branch_secretary_rotation_class(tree):
    m = MemberFactory(branch=tree.branch_a, is_branch_secretary=True)
    credit(m, D(2025, 3, 1), make_class(tree.town_a, D(2025, 3, 1)))
    r = by_kind(evaluate_member(m, 2025, today=D(2025, 11, 1)))
    assert r[RuleKind.ROTATION_CLASS].status == RuleStatus.AT_RISK
    credit(m, D(2025, 11, 5), make_class(tree.city, D(2025, 11, 5), is_rotation=True))
    r = by_kind(evaluate_member(m, 2025, today=D(2025, 11, 6)))
    assert r[RuleKind.ROTATION_CLASS].status == RuleStatus.MET
    assert r[RuleKind.ROTATION_CLASS].actual == 1


def test_category_change_mid_year_follows_reference_day(tree):
    m = MemberFactory(branch=tree.branch_a)
    member_category_set(member=m, category=MemberCategory.BRANCH_SECRETARY, held=True, on=D(2025, 8, 1))
    m.refresh_from_db()
    assert m.is_branch_secretary
    # 2024 (past year, reference 31 Dec 2024): not a secretary then
    assert RuleKind.ROTATION_CLASS not in by_kind(evaluate_member(m, 2024, today=D(2025, 9, 1)))
    # 2025 while running: secretary since August owes the rotation class
    assert RuleKind.ROTATION_CLASS in by_kind(evaluate_member(m, 2025, today=D(2025, 9, 1)))
    # but on 1 July 2025 they were not yet one
    assert RuleKind.ROTATION_CLASS not in by_kind(evaluate_member(m, 2025, today=D(2025, 7, 1)))
    member_category_set(member=m, category=MemberCategory.BRANCH_SECRETARY, held=False, on=D(2026, 3, 1))
    m.refresh_from_db()
    assert not m.is_branch_secretary
    assert RuleKind.ROTATION_CLASS in by_kind(evaluate_member(m, 2025, today=D(2026, 5, 1)))
    assert RuleKind.ROTATION_CLASS not in by_kind(evaluate_member(m, 2026, today=D(2026, 5, 1)))


def test_category_flag_without_history_recorded_when_changed(tree):
    m = MemberFactory(branch=tree.branch_a, is_village_committee=True, join_date=D(2000, 1, 1))
    member_category_set(member=m, category=MemberCategory.VILLAGE_COMMITTEE, held=False, on=D(2025, 6, 1))
    assert by_kind(evaluate_member(m, 2024, today=D(2025, 7, 1)))[RuleKind.TRAINING_DAYS].required == 2
    assert by_kind(evaluate_member(m, 2025, today=D(2025, 7, 1)))[RuleKind.TRAINING_DAYS].required == 1


def test_member_moving_between_branches_keeps_credited_days(tree):
    m = MemberFactory(branch=tree.branch_a)
    credit(m, D(2025, 3, 1), make_class(tree.town_a, D(2025, 3, 1)))
    member_branch_move(member=m, branch=tree.branch_b, on=D(2025, 6, 1))
    m.refresh_from_db()
    assert m.branch == tree.branch_b
    assert by_kind(evaluate_member(m, 2025, today=D(2025, 7, 1)))[RuleKind.TRAINING_DAYS].status == RuleStatus.MET
    assert m.branch_periods.count() == 2
    with pytest.raises(Exception, match="已在该支部"):
        member_branch_move(member=m, branch=tree.branch_b, on=D(2025, 7, 1))


def test_five_year_window(tree):
    m = MemberFactory(branch=tree.branch_a)
    credit(m, D(2020, 12, 31), make_class(tree.town_a, D(2020, 12, 31)))
    r = by_kind(evaluate_member(m, 2024, today=D(2024, 6, 1)))
    assert r[RuleKind.FIVE_YEAR_ROTATION].status == RuleStatus.MET  # window 2020–2024
    r = by_kind(evaluate_member(m, 2025, today=D(2025, 6, 1)))
    assert r[RuleKind.FIVE_YEAR_ROTATION].status == RuleStatus.NOT_MET  # window 2021–2025
    assert "2020年12月31日" in r[RuleKind.FIVE_YEAR_ROTATION].explanation
    credit(m, D(2021, 1, 1), make_class(tree.town_a, D(2021, 1, 1)))
    r = by_kind(evaluate_member(m, 2025, today=D(2025, 6, 1)))
    assert r[RuleKind.FIVE_YEAR_ROTATION].status == RuleStatus.MET


def test_study_hours_count_in_person_and_online(tree):
    m = MemberFactory(branch=tree.branch_a)
    credit(m, D(2025, 3, 1), make_class(tree.town_a, D(2025, 3, 1)), hours="6")
    study(m, D(2025, 4, 1), 2700 * 25)
    study(m, D(2024, 12, 31), 2700 * 10)  # previous year: not counted
    r = by_kind(evaluate_member(m, 2025, today=D(2025, 5, 1)))[RuleKind.STUDY_HOURS]
    assert r.actual == Decimal("31") and r.missing == Decimal("1")
    assert r.details["online_hours"] == Decimal("25.00")
    study(m, D(2025, 12, 31), 2700)
    r = by_kind(evaluate_member(m, 2025, today=D(2026, 1, 2)))[RuleKind.STUDY_HOURS]
    assert r.status == RuleStatus.MET and "第二十条" in r.explanation


def test_open_next_year_copies_rules(tree):
    quota_year_open(year=2025)
    QuotaRule.objects.filter(year=2025, kind=RuleKind.STUDY_HOURS).update(required=40)
    quota_year_open(year=2026)
    assert QuotaRule.objects.get(year=2026, kind=RuleKind.STUDY_HOURS).required == 40
    assert QuotaRule.objects.filter(year=2026).count() == 5
    quota_year_open(year=2026)  # idempotent
    assert QuotaRule.objects.filter(year=2026).count() == 5


def _varied_members(tree):
    """A small varied set: every category, trained and not, in-person and online, old training."""
    ms = [
        MemberFactory(branch=tree.branch_a),
        MemberFactory(branch=tree.branch_a, is_village_committee=True),
        MemberFactory(branch=tree.branch_b, is_branch_secretary=True),
        MemberFactory(branch=tree.branch_b, is_mobile=True),
        MemberFactory(branch=tree.branch_b, is_village_committee=True, is_branch_secretary=True),
        MemberFactory(branch=tree.branch_a),
    ]
    town = make_class(tree.town_a, D(2025, 5, 6), D(2025, 5, 7))
    rot = make_class(tree.city, D(2025, 10, 20), is_rotation=True)
    credit_class(ms[0], town)
    credit(ms[1], D(2025, 5, 6), town)
    credit_class(ms[2], rot, hours="8")
    credit_class(ms[4], town, hours="16")
    credit(ms[4], D(2025, 10, 20), rot, hours="1")
    credit(ms[5], D(2019, 6, 1), make_class(tree.town_b, D(2019, 6, 1)))
    study(ms[3], D(2025, 2, 1), 2700 * 32)
    study(ms[0], D(2025, 2, 1), 2700 * 27.999)
    member_category_set(member=ms[3], category=MemberCategory.VILLAGE_COMMITTEE, held=True, on=D(2025, 9, 1))
    return ms


@pytest.mark.parametrize("today", [D(2025, 6, 1), D(2025, 11, 1), D(2026, 2, 1)])
def test_set_based_status_agrees_with_evaluate_member(tree, today):
    ms = _varied_members(tree)
    rows = {m.pk: m for m in members_with_quota_status(Member.objects.all(), 2025, today)}
    fields = {
        RuleKind.TRAINING_DAYS: "status_training_days",
        RuleKind.ROTATION_CLASS: "status_rotation_class",
        RuleKind.FIVE_YEAR_ROTATION: "status_five_year_rotation",
        RuleKind.STUDY_HOURS: "status_study_hours",
    }
    seen = set()
    for m in ms:
        results = by_kind(evaluate_member(m, 2025, today=today))
        row = rows[m.pk]
        for kind, name in fields.items():
            expected = results[kind].status if kind in results else ""
            assert getattr(row, name) == expected, (m, kind)
            seen.add(expected)
        assert row.all_met == all(r.status == RuleStatus.MET for r in results.values())
    assert {"", RuleStatus.MET} <= seen and len(seen) == 3


def test_members_ranked_by_need_one_query(tree, django_assert_num_queries):
    ms = _varied_members(tree)
    with django_assert_num_queries(2):  # the year's rules + the ranking
        ranked = list(members_ranked_by_need(Member.objects.all(), 2025, today=D(2025, 11, 1)))
    assert ranked[0].pk == ms[3].pk or ranked[0].needs_rotation_class
    # secretaries without a rotation class come first, then the 5-year overdue
    flags = [(m.needs_rotation_class, m.five_year_overdue) for m in ranked]
    assert flags == sorted(flags, reverse=True)
    by_pk = {m.pk: m for m in ranked}
    assert by_pk[ms[5].pk].five_year_overdue and by_pk[ms[5].pk].last_trained_on == D(2019, 6, 1)
    assert by_pk[ms[1].pk].days_required == 2 and by_pk[ms[1].pk].days_missing == 1
    assert by_pk[ms[0].pk].days_missing == 0
    assert not by_pk[ms[2].pk].needs_rotation_class


def test_member_actuals_from_the_kept_sql_equal_the_orm_query(tree):
    """member_actuals reuses SQL compiled once with a placeholder id: member by member, day by
    day and after the rules change it gives exactly what the ORM query gives."""
    from lms.quotas.rules import annotate_actuals, member_actuals, year_rules

    ms = _varied_members(tree)

    def check(today):
        yr = year_rules(2025)
        for m in ms:
            expected = annotate_actuals(Member.objects.filter(pk=m.pk), 2025, today, yr).values().get()
            assert member_actuals(m, 2025, today, yr) == expected, (m, today)
            assert member_actuals(m.pk, 2025, today, yr) == expected  # second time from the kept SQL
        return expected

    for today in (D(2025, 6, 1), D(2025, 11, 1), D(2026, 2, 1)):
        row = check(today)
    assert "window_days_7y" not in row
    quota_year_open(year=2025)
    QuotaRule.objects.filter(year=2025, kind=RuleKind.FIVE_YEAR_ROTATION).update(window_years=7)
    assert "window_days_7y" in check(D(2025, 11, 1))  # new rules, new SQL
    actuals = {m.pk: member_actuals(m, 2025, D(2025, 11, 1), year_rules(2025)) for m in ms}
    assert actuals[ms[4].pk]["days_this_year"] == 3 and actuals[ms[4].pk]["inperson_hours"] == Decimal("33")
    assert actuals[ms[5].pk]["last_trained_on"] == D(2019, 6, 1) and actuals[ms[5].pk]["window_days_7y"] == 1
    with pytest.raises(Member.DoesNotExist):
        member_actuals(max(m.pk for m in ms) + 1000, 2025, D(2025, 11, 1), year_rules(2025))


@pytest.mark.parametrize("standard", [True, False])
def test_summary_refresh_agrees_with_evaluate_member(tree, standard):
    """Both refresh paths: the fast two-phase one (default-shaped rules) and the general one."""
    from lms.quotas.models import MemberYearStatus
    from lms.quotas.services import quota_status_refresh

    ms = _varied_members(tree)
    if not standard:
        quota_year_open(year=2025)
        QuotaRule.objects.filter(year=2025, kind=RuleKind.FIVE_YEAR_ROTATION).update(window_years=7)
        QuotaRule.objects.filter(year=2025, kind=RuleKind.TRAINING_DAYS, category="village_committee").update(
            min_school_tier="city", required=1
        )
    today = D(2025, 11, 1)
    assert quota_status_refresh(year=2025, today=today) == len(ms)
    rows = {r.member_id: r for r in MemberYearStatus.objects.filter(year=2025)}
    for m in ms:
        results = by_kind(evaluate_member(m, 2025, today=today))
        row = rows[m.pk]
        assert row.status_training_days == (results[RuleKind.TRAINING_DAYS].status)
        assert row.status_rotation_class == (
            results[RuleKind.ROTATION_CLASS].status if RuleKind.ROTATION_CLASS in results else ""
        )
        assert row.status_five_year_rotation == results[RuleKind.FIVE_YEAR_ROTATION].status
        assert row.status_study_hours == results[RuleKind.STUDY_HOURS].status
        assert row.all_met == all(r.status == RuleStatus.MET for r in results.values())
    if not standard:  # ms[5] trained in 2019: inside a 7-year window
        assert rows[ms[5].pk].status_five_year_rotation == RuleStatus.MET
