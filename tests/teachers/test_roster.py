import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from teachers.models import RosterEntry, RosterYear
from teachers.selectors import roster_history, roster_teachers
from teachers.services import roster_entry_add, roster_entry_remove, roster_year_open, teacher_create
from tests.factories.teachers import RosterEntryFactory, RosterYearFactory, TeacherFactory

pytestmark = pytest.mark.django_db


def test_open_next_year_copies_active_entries_once(roles):
    kept, removed, retired = TeacherFactory.create_batch(3)
    roster = RosterYearFactory(year=2025)
    RosterEntryFactory(roster=roster, teacher=kept)
    gone = RosterEntryFactory(roster=roster, teacher=removed)
    RosterEntryFactory(roster=roster, teacher=retired)
    retired.is_active = False
    retired.save()
    roster_entry_remove(entry=gone, actor=roles.department, reason="年度考核不合格")

    new = roster_year_open(year=2026, actor=roles.department)
    again = roster_year_open(year=2026, actor=roles.department)

    assert new.pk == again.pk and new.copied_from == roster
    assert list(roster_teachers(2026)) == [kept]
    assert RosterEntry.objects.filter(roster=new).count() == 1
    entry = RosterEntry.objects.get(roster=new)
    assert entry.reason == "沿用2025年度名录" and entry.added_by == roles.department


def test_add_and_remove_carry_reason_and_actor_and_make_history(roles):
    teacher = TeacherFactory()
    roster_year_open(year=2025, actor=roles.department)
    first = roster_entry_add(year=2025, teacher=teacher, actor=roles.department, reason="新聘专家")
    roster_entry_remove(entry=first, actor=roles.department_a, reason="工作调动")
    roster_entry_add(year=2025, teacher=teacher, actor=roles.department, reason="调回本市")
    roster_year_open(year=2026, actor=roles.department)

    history = list(roster_history(teacher))
    assert [(e.roster.year, e.reason, e.removal_reason) for e in history] == [
        (2025, "新聘专家", "工作调动"),
        (2025, "调回本市", ""),
        (2026, "沿用2025年度名录", ""),
    ]
    assert history[0].removed_by == roles.department_a and history[0].removed_at is not None
    assert history[1].added_by == roles.department


def test_roster_refuses_bad_input(roles):
    teacher = TeacherFactory()
    with pytest.raises(ValidationError, match="尚未开启"):
        roster_entry_add(year=2030, teacher=teacher, actor=roles.department, reason="x")
    roster_year_open(year=2030, actor=roles.department)
    with pytest.raises(ValidationError, match="请填写入库原因"):
        roster_entry_add(year=2030, teacher=teacher, actor=roles.department, reason="  ")
    entry = roster_entry_add(year=2030, teacher=teacher, actor=roles.department, reason="新聘")
    with pytest.raises(ValidationError, match="已在2030年度名录中"):
        roster_entry_add(year=2030, teacher=teacher, actor=roles.department, reason="再次")
    with pytest.raises(ValidationError, match="请填写调出原因"):
        roster_entry_remove(entry=entry, actor=roles.department, reason="")
    roster_entry_remove(entry=entry, actor=roles.department, reason="退休")
    with pytest.raises(ValidationError, match="已于"):
        roster_entry_remove(entry=entry, actor=roles.department, reason="退休")
    assert RosterEntry.objects.filter(teacher=teacher).count() == 1


@pytest.mark.parametrize("who", ["town_a_staff", "city_staff", "member_a_user", "nobody"])
def test_only_department_manages_the_pool(roles, who):
    user = getattr(roles, who)
    teacher = TeacherFactory()
    RosterYearFactory(year=2026)
    with pytest.raises(PermissionDenied):
        roster_year_open(year=2027, actor=user)
    with pytest.raises(PermissionDenied):
        roster_entry_add(year=2026, teacher=teacher, actor=user, reason="x")
    with pytest.raises(PermissionDenied):
        teacher_create(actor=user, name="某某", kind="expert")
    assert not RosterYear.objects.filter(year=2027).exists()


def test_teacher_create_with_specialties(roles):
    teacher = teacher_create(
        actor=roles.department,
        name="王建国",
        kind="expert",
        specialties=[("general", "党史"), {"module": "thematic", "topic": "乡村振兴"}, ("general", "党史")],
    )
    assert sorted(teacher.specialty_labels) == ["专题教育·乡村振兴", "通识教育·党史"]
    with pytest.raises(ValidationError, match="课程模块"):
        teacher_create(actor=roles.department, name="李某", kind="expert", specialties=[("bogus", "x")])
    with pytest.raises(ValidationError):
        teacher_create(actor=roles.department, name="", kind="nonsense")
