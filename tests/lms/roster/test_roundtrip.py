import pytest

from lms.members.models import Member
from lms.organizations.models import PartyOrganization
from tests.factories import MemberFactory, UserFactory
from tests.factories.roster import read_xlsx

from .helpers import run_import

pytestmark = pytest.mark.django_db


def _download(client, url) -> bytes:
    resp = client.get(url)
    assert resp.status_code == 200
    return b"".join(resp.streaming_content)


def _snapshot():
    return list(Member.objects.order_by("member_no").values())


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_then_import_changes_nothing(roles, login, fmt):
    from django.core.files.uploadedfile import SimpleUploadedFile

    tree = roles.tree
    tree.branch_a.code = "BA-001"
    tree.branch_a.save()
    MemberFactory(
        branch=tree.branch_a,
        member_no="00123",
        name="王秀英",
        phone="13912345678",
        gender="F",
        is_village_committee=True,
        is_mobile=True,
        user=UserFactory(username="wangxy"),
    )
    MemberFactory(branch=tree.branch_a, member_no="00124", name="李建国", is_branch_secretary=True, is_active=False)
    client = login(roles.department_a)
    data = _download(client, f"/roster/export/members.{fmt}")
    if fmt == "xlsx":
        table = read_xlsx(data)
        assert table[0] == [
            "党员编号",
            "姓名",
            "性别",
            "所在支部",
            "支部编码",
            "人员类别",
            "入党日期",
            "手机号",
            "在册",
            "登录账号",
        ]
        by_no = {r[0]: r for r in table[1:]}
        assert set(by_no) == {"00123", "00124", roles.member_a.member_no}  # town B's member is not exported
        assert by_no["00123"][5] == "村两委、流动党员" and by_no["00124"][5] == "支部书记"
        assert by_no["00123"][9] == "wangxy" and by_no["00124"][8] == "否"
    else:
        assert data.startswith("\ufeff".encode())
    before = _snapshot()
    job = run_import(roles.department_a, SimpleUploadedFile(f"export.{fmt}", data))
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 0, 3)
    assert job.missing_count == 0
    assert _snapshot() == before

    orgs_before = list(PartyOrganization.objects.order_by("path").values())
    data = _download(client, f"/roster/export/organizations.{fmt}")
    job = run_import(roles.department_a, SimpleUploadedFile(f"orgs.{fmt}", data), kind="organizations")
    assert job.created_count == 0 and job.updated_count == 0 and job.unchanged_count == 2
    assert list(PartyOrganization.objects.order_by("path").values()) == orgs_before


def test_export_is_limited_to_jurisdiction(roles, login):
    data = _download(login(roles.town_b_staff), "/roster/export/members.xlsx")
    nos = [r[0] for r in read_xlsx(data)[1:]]
    assert nos == [roles.member_b.member_no]
    assert login(roles.member_a_user).get("/roster/export/members.xlsx").status_code == 403
