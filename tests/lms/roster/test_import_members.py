import datetime as dt

import pytest

from lms.accounts.models import User
from lms.members.models import Member
from lms.roster.models import ImportJob
from tests.factories import MemberFactory, UserFactory
from tests.factories.roster import member_row, sheet_upload

from .helpers import errors_of, preview, run_import

pytestmark = pytest.mark.django_db


def test_import_creates_members_with_categories_dates_and_phone(roles):
    rows = [
        member_row(1, 人员类别="村两委、支部书记、流动党员", 入党日期="2021/7/1"),
        member_row(2, 人员类别="普通党员", 入党日期="2019年10月1日"),
        member_row(3, 人员类别="流动党员", 入党日期=dt.datetime(2001, 7, 1)),
    ]
    job = run_import(roles.town_a_staff, sheet_upload(rows))
    assert job.status == ImportJob.Status.DONE, job.message
    assert (job.created_count, job.updated_count, job.unchanged_count) == (3, 0, 0)
    m1 = Member.objects.get(member_no="M000001")
    assert m1.branch == roles.tree.branch_a
    assert (m1.is_village_committee, m1.is_branch_secretary, m1.is_mobile) == (True, True, True)
    assert m1.join_date == dt.date(2021, 7, 1)
    assert m1.phone == "13800000001"
    m2 = Member.objects.get(member_no="M000002")
    assert m2.categories == ["ordinary"] and m2.join_date == dt.date(2019, 10, 1)
    assert Member.objects.get(member_no="M000003").join_date == dt.date(2001, 7, 1)


@pytest.mark.parametrize(
    ("overrides", "column", "fragment"),
    [
        ({"姓名": ""}, "姓名", "姓名不能为空"),
        ({"党员编号": ""}, "党员编号", "党员编号不能为空"),
        ({"入党日期": ""}, "入党日期", "入党日期不能为空"),
        ({"所在支部": ""}, "所在支部", "所在支部不能为空"),
        ({"所在支部": "不存在的党支部"}, "所在支部", "找不到名为“不存在的党支部”的支部"),
        ({"入党日期": "2021-02-30"}, "入党日期", "不存在"),
        ({"入党日期": "去年七一"}, "入党日期", "无法识别的日期"),
        ({"入党日期": "2999-01-01"}, "入党日期", "不能晚于今天"),
        ({"手机号": "1380013800"}, "手机号", "11 位大陆手机号码"),
        ({"手机号": "23800138000"}, "手机号", "11 位大陆手机号码"),
        ({"人员类别": "预备党员"}, "人员类别", "无法识别的人员类别"),
        ({"所在支部": "乙镇一村党支部"}, "所在支部", "不在您的管辖范围内"),
    ],
)
def test_each_validation_error_is_reported_in_chinese_with_row_and_column(roles, overrides, column, fragment):
    job = preview(roles.town_a_staff, sheet_upload([member_row(1), member_row(2, **overrides)]))
    assert job.status == ImportJob.Status.VALIDATED
    assert not job.can_confirm
    assert job.error_rows == 1
    row, col, message = errors_of(job)[0]
    assert (row, col) == (3, column)
    assert fragment in message
    assert not Member.objects.filter(member_no__startswith="M00000").exists()


def test_duplicate_member_numbers_inside_the_file(roles):
    rows = [member_row(1), member_row(2), member_row(3, 党员编号="M000001")]
    job = preview(roles.town_a_staff, sheet_upload(rows))
    assert errors_of(job) == [(4, "党员编号", "党员编号“M000001”与第 2 行重复")]
    assert job.total_rows == 3 and job.error_rows == 1


def test_missing_required_column_is_a_file_error(roles):
    rows = [{"姓名": "张三", "所在支部": "甲镇一村党支部", "入党日期": "2010-01-01"}]
    job = preview(roles.town_a_staff, sheet_upload(rows))
    assert job.file_errors == ["缺少必填列：党员编号"]
    assert not job.can_confirm


def test_unknown_header_is_listed_and_can_be_mapped(roles):
    from lms.roster.services import import_job_set_mapping, import_job_validate

    rows = [{"姓名": "张三", "编码号": "X1", "所在支部": "甲镇一村党支部", "入党日期": "2010-01-01"}]
    job = preview(roles.town_a_staff, sheet_upload(rows))
    assert job.unknown_headers == ["编码号"]
    assert job.file_errors
    import_job_set_mapping(job=job, user=roles.town_a_staff, mapping={"编码号": "member_no"}, run_async=False)
    job = import_job_validate(job=job)
    assert job.file_errors == [] and job.can_confirm


def test_title_row_above_header_and_excel_number_cells(roles):
    rows = [member_row(1, 党员编号=12345, 手机号=13800138000.0, 入党日期=44378)]
    job = run_import(roles.town_a_staff, sheet_upload(rows, title="甲镇党员花名册（2026年）"))
    m = Member.objects.get(member_no="12345")
    assert m.phone == "13800138000"
    assert m.join_date == dt.date(2021, 7, 1)  # Excel serial 44378
    assert job.created_count == 1


def test_gbk_csv(roles):
    rows = [member_row(1, 姓名="王建国", 人员类别="支部书记")]
    upload = sheet_upload(rows, name="花名册.csv", encoding="gbk")
    assert "王建国".encode("gbk") in upload.read()
    upload.seek(0)
    job = run_import(roles.town_a_staff, upload)
    m = Member.objects.get(member_no="M000001")
    assert m.name == "王建国" and m.is_branch_secretary
    assert job.status == ImportJob.Status.DONE


def test_utf8_csv_with_bom(roles):
    upload = sheet_upload([member_row(1, 姓名="李秀英")], name="花名册.csv", encoding="utf-8-sig")
    run_import(roles.town_a_staff, upload)
    assert Member.objects.get(member_no="M000001").name == "李秀英"


def test_reimport_is_idempotent_and_reports_missing_members(roles):
    rows = [member_row(n) for n in range(1, 6)]
    first = run_import(roles.town_a_staff, sheet_upload(rows))
    assert first.created_count == 5
    stamps = dict(Member.objects.values_list("member_no", "updated_at"))
    second = run_import(roles.town_a_staff, sheet_upload(rows))
    assert (second.created_count, second.updated_count, second.unchanged_count) == (0, 0, 5)
    assert dict(Member.objects.values_list("member_no", "updated_at")) == stamps
    # A member left out of the next sheet is reported, not deleted; a changed row is updated.
    third = run_import(roles.town_a_staff, sheet_upload([*rows[:3], member_row(4, 姓名="改名")]))
    assert (third.created_count, third.updated_count, third.unchanged_count) == (0, 1, 3)
    missing = {m["member_no"] for m in third.missing}
    assert missing == {"M000005", roles.member_a.member_no}
    assert third.missing_count == 2
    assert Member.objects.filter(member_no="M000005", is_active=True).exists()
    assert Member.objects.get(member_no="M000004").name == "改名"


def test_rollback_when_a_row_fails_midway(roles, monkeypatch):
    """Two chunks: the second fails at the database; the first must not stay written."""
    from lms.roster import services

    monkeypatch.setattr(services, "CHUNK_ROWS", 3)
    rows = [member_row(n) for n in range(1, 8)]
    MemberFactory(branch=roles.tree.branch_a, member_no="M000001", name="原名")
    job = preview(roles.town_a_staff, sheet_upload(rows))
    assert job.can_confirm
    from lms.roster.services import import_job_apply, import_job_confirm

    import_job_confirm(job=job, user=roles.town_a_staff, run_async=False)
    from lms.roster.importers import members as importers

    real_write = importers.MemberImport._write
    calls = []

    def failing_write(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("磁盘已满")
        return real_write(self, *args, **kwargs)

    monkeypatch.setattr(importers.MemberImport, "_write", failing_write)
    job = import_job_apply(job=job)
    assert len(calls) == 2
    assert job.status == ImportJob.Status.FAILED
    assert "没有写入任何数据" in job.message and "磁盘已满" in job.message
    assert not Member.objects.filter(member_no__in=["M000002", "M000003"]).exists()
    assert Member.objects.get(member_no="M000001").name == "原名"


def test_rows_that_became_invalid_after_preview_abort_the_whole_apply(roles):
    from lms.roster.services import import_job_apply, import_job_confirm

    job = preview(roles.town_a_staff, sheet_upload([member_row(1), member_row(2)]))
    import_job_confirm(job=job, user=roles.town_a_staff, run_async=False)
    roles.tree.branch_a.name = "甲镇一村党支部（已更名）"
    roles.tree.branch_a.save()
    job = import_job_apply(job=job)
    assert job.status == ImportJob.Status.FAILED
    assert "第 2 行" in job.message
    assert not Member.objects.filter(member_no__in=["M000001", "M000002"]).exists()


def test_town_staff_cannot_import_into_another_town_or_take_over_its_members(roles):
    rows = [
        member_row(1, 所在支部="乙镇一村党支部"),
        member_row(2, 党员编号=roles.member_b.member_no),  # town B's member moved into town A
    ]
    job = preview(roles.town_a_staff, sheet_upload(rows))
    errs = errors_of(job)
    assert errs[0] == (2, "所在支部", "支部“乙镇一村党支部”不在您的管辖范围内")
    assert errs[1][0:2] == (3, "党员编号") and "管辖范围外的支部" in errs[1][2]
    roles.member_b.refresh_from_db()
    assert roles.member_b.branch == roles.tree.branch_b


def test_department_staff_of_town_a_cannot_use_branch_codes_of_town_b(roles):
    branch_b = roles.tree.branch_b
    branch_b.code = "B-0002"
    branch_b.save()
    rows = [{**member_row(1), "支部编码": "B-0002", "所在支部": ""}]
    job = preview(roles.department_a, sheet_upload(rows))
    assert errors_of(job) == [(2, "支部编码", "支部编码“B-0002”不在您的管辖范围内")]
    job = preview(roles.department, sheet_upload(rows))
    assert job.can_confirm


def test_members_and_people_without_staff_role_cannot_import(roles):
    from lms.roster.services import ImportNotAllowed, import_job_create

    for user in (roles.member_a_user, roles.nobody):
        with pytest.raises(ImportNotAllowed):
            import_job_create(user=user, upload=sheet_upload([member_row(1)]), kind="members", run_async=False)


def test_login_column_creates_unusable_account_and_never_touches_existing_password(roles):
    rows = [member_row(1, 登录账号="zhang01"), member_row(2, 登录账号="member_a")]
    job = preview(roles.town_a_staff, sheet_upload(rows))
    assert errors_of(job) == [(3, "登录账号", f"账号“member_a”已被党员编号“{roles.member_a.member_no}”使用")]
    password = User.objects.get(username="member_a").password
    job = run_import(roles.town_a_staff, sheet_upload([rows[0], member_row(2)]))
    assert job.users_created == 1
    user = User.objects.get(username="zhang01")
    assert not user.has_usable_password()
    assert Member.objects.get(member_no="M000001").user == user
    assert User.objects.get(username="member_a").password == password
    # The same file again: nothing changes, the account stays linked.
    again = run_import(roles.town_a_staff, sheet_upload([rows[0], member_row(2)]))
    assert again.unchanged_count == 2 and again.users_created == 0
    # Linking an existing account that belongs to no member is refused.
    UserFactory(username="staffer")
    job = preview(roles.town_a_staff, sheet_upload([member_row(3, 登录账号="staffer")]))
    assert "已存在但未关联党员" in errors_of(job)[0][2]


def test_error_report_is_an_xlsx_with_errors_next_to_rows(roles, login):
    from tests.factories.roster import read_xlsx

    rows = [member_row(1), member_row(2, 手机号="123"), member_row(3, 姓名="")]
    job = preview(roles.town_a_staff, sheet_upload(rows))
    client = login(roles.town_a_staff)
    resp = client.get(f"/roster/jobs/{job.pk}/errors.xlsx")
    assert resp.status_code == 200
    table = read_xlsx(b"".join(resp.streaming_content))
    assert table[0] == ["原行号", "姓名", "党员编号", "所在支部", "人员类别", "入党日期", "手机号", "错误说明"]
    assert [r[0] for r in table[1:]] == [3, 4]
    assert "手机号：" in table[1][-1] and "姓名：姓名不能为空" == table[2][-1]
    assert login(roles.town_b_staff).get(f"/roster/jobs/{job.pk}/errors.xlsx").status_code == 404


def test_progress_is_visible_while_the_apply_transaction_runs(roles, monkeypatch):
    """The apply writes progress outside its transaction, so status polls see it move."""
    from lms.roster import services
    from lms.roster.importers import members as importers
    from lms.roster.services import import_job_apply, import_job_confirm
    from lms.roster.views import job_status_payload

    monkeypatch.setattr(services, "CHUNK_ROWS", 2)
    job = preview(roles.town_a_staff, sheet_upload([member_row(n) for n in range(1, 7)]))
    import_job_confirm(job=job, user=roles.town_a_staff, run_async=False)
    seen = []
    real_process = importers.MemberImport.process

    def spying_process(self, chunk):
        seen.append(job_status_payload(ImportJob.objects.get(pk=job.pk)))
        return real_process(self, chunk)

    monkeypatch.setattr(importers.MemberImport, "process", spying_process)
    job = import_job_apply(job=job)
    assert job.status == ImportJob.Status.DONE
    assert [s["status"] for s in seen] == ["running"] * 3
    assert [s["done"] for s in seen] == [0, 2, 4] and {s["total"] for s in seen[1:]} == {6}
    assert [s["percent"] for s in seen] == [0, 33, 66]
    assert job_status_payload(job)["percent"] == 100
