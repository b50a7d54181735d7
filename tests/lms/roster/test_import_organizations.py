import pytest

from lms.organizations.models import PartyOrganization
from lms.roster.models import ImportJob
from tests.factories.roster import sheet_upload

from .helpers import errors_of, preview, run_import

pytestmark = pytest.mark.django_db


def org(name, kind="党支部", parent="中共甲镇委员会", town="甲镇", code="", parent_code="", sector="农村"):
    return {
        "组织编码": code,
        "组织名称": name,
        "组织类型": kind,
        "上级组织编码": parent_code,
        "上级组织": parent,
        "所在镇街": town,
        "领域": sector,
    }


def test_town_staff_imports_a_general_branch_with_branches_below_it(roles):
    rows = [
        org("甲镇二村党总支", kind="党总支", code="G-1"),
        org("甲镇二村第一党支部", parent="", parent_code="G-1", code="B-1"),
        org("甲镇二村第二党支部", parent="甲镇二村党总支", code="B-2", sector="社区"),
    ]
    job = run_import(roles.town_a_staff, sheet_upload(rows), kind="organizations")
    assert job.status == ImportJob.Status.DONE, job.message
    assert job.created_count == 3
    general = PartyOrganization.objects.get(code="G-1")
    assert general.get_parent() == roles.tree.committee_a and general.kind == "general_branch"
    children = list(general.get_children().order_by("code"))
    assert [c.code for c in children] == ["B-1", "B-2"]
    assert children[1].sector == "community" and children[1].town == roles.tree.town_a
    again = run_import(roles.town_a_staff, sheet_upload(rows), kind="organizations")
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3)
    assert PartyOrganization.objects.filter(code__in=["G-1", "B-1", "B-2"]).count() == 3


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        (org("新支部", parent="中共乙镇委员会", town="甲镇"), "上级组织", "不在您的管辖范围内"),
        (org("新支部", town="乙镇"), "所在镇街", "镇街“乙镇”不在您的管辖范围内"),
        (org("新支部", town=""), "所在镇街", "党支部必须填写所在镇街"),
        (org("新支部", kind="党小组"), "组织类型", "无法识别的组织类型"),
        (org("新支部", parent="甲镇一村党支部"), "上级组织", "是党支部，不能再设下级组织"),
        (org("新支部", parent="不存在的党委"), "上级组织", "找不到上级组织"),
        (org("新党委", kind="党委", parent=""), "上级组织", "只有系统管理员可以导入顶级党组织"),
    ],
)
def test_organization_rows_are_checked(roles, row, column, fragment):
    job = preview(roles.town_a_staff, sheet_upload([row]), kind="organizations")
    assert not job.can_confirm
    (_, col, message), *_ = errors_of(job)
    assert col == column and fragment in message


def test_moving_an_organization_by_import_is_refused(roles):
    roles.tree.branch_a.code = "BA"
    roles.tree.branch_a.save()
    job = preview(
        roles.department,
        sheet_upload([org("甲镇一村党支部", code="BA", parent="中共乙镇委员会")]),
        kind="organizations",
    )
    assert "不支持通过导入调整上级组织" in errors_of(job)[0][2]


def test_changing_the_kind_of_an_existing_organization_is_refused(roles):
    roles.tree.branch_a.code = "BA"
    roles.tree.branch_a.save()
    job = preview(
        roles.town_a_staff, sheet_upload([org("甲镇一村党支部", kind="党总支", code="BA")]), kind="organizations"
    )
    assert "不支持通过导入更改组织类型" in errors_of(job)[0][2]
    renamed = run_import(
        roles.town_a_staff, sheet_upload([org("甲镇一村党支部（新名）", code="BA")]), kind="organizations"
    )
    assert renamed.updated_count == 1
    roles.tree.branch_a.refresh_from_db()
    assert roles.tree.branch_a.name == "甲镇一村党支部（新名）"
