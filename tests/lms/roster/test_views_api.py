import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lms.members.models import Member
from lms.roster.models import ImportJob
from tests.factories.roster import member_row, sheet_bytes, sheet_upload

from .helpers import preview

pytestmark = pytest.mark.django_db


def test_workspace_upload_preview_confirm_result_through_celery(roles, login, django_capture_on_commit_callbacks):
    client = login(roles.town_a_staff)
    assert client.get("/roster/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post("/roster/", {"kind": "members", "file": sheet_upload([member_row(1), member_row(2)])})
    assert resp.status_code == 302
    job = ImportJob.objects.get()
    assert resp["Location"] == f"/roster/jobs/{job.pk}/"
    assert job.status == ImportJob.Status.VALIDATED and job.can_confirm  # the eager task ran on commit
    page = client.get(f"/roster/jobs/{job.pk}/").content.decode()
    assert "确认导入（新增 2，更新 0）" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/roster/jobs/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Member.objects.filter(member_no__in=["M000001", "M000002"]).count() == 2
    # A repeated submit is refused, nothing happens twice.
    resp = client.post(f"/roster/jobs/{job.pk}/confirm/", follow=True)
    assert "不能确认" in resp.content.decode()
    status = client.get(f"/roster/jobs/{job.pk}/status.json").json()
    assert status["status"] == "done" and status["percent"] == 100


def test_preview_page_shows_errors_and_mapping_form(roles, login):
    rows = [{**member_row(1, 手机号="12"), "备注栏": "x"}]
    job = preview(roles.town_a_staff, sheet_upload(rows))
    page = login(roles.town_a_staff).get(f"/roster/jobs/{job.pk}/").content.decode()
    assert "格式不正确" in page and "备注栏" in page and "下载错误报告" in page
    assert "确认导入" not in page


def test_other_town_cannot_see_or_confirm_a_job(roles, login):
    job = preview(roles.town_a_staff, sheet_upload([member_row(1)]))
    other = login(roles.town_b_staff)
    for url in (f"/roster/jobs/{job.pk}/", f"/roster/jobs/{job.pk}/status.json", f"/roster/jobs/{job.pk}/file/"):
        assert other.get(url).status_code == 404
    assert other.post(f"/roster/jobs/{job.pk}/confirm/").status_code == 404
    assert login(roles.member_a_user).get("/roster/").status_code == 403
    # The county department reviews town A's job but only the uploader confirms it.
    dept = login(roles.department)
    assert dept.get(f"/roster/jobs/{job.pk}/").status_code == 200
    dept.post(f"/roster/jobs/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALIDATED


def test_history_list_query_count(roles, login, django_assert_max_num_queries):
    for n in range(5):
        preview(roles.town_a_staff, sheet_upload([member_row(n + 1)]))
    client = login(roles.town_a_staff)
    client.get("/roster/jobs/")
    with django_assert_max_num_queries(12):
        page = client.get("/roster/jobs/").content.decode()
    assert page.count("花名册.xlsx") == 5


def test_api_upload_status_confirm_and_export(roles, login, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(roles.town_a_staff)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(
            "/api/v1/roster/imports/",
            {
                "kind": "members",
                "file": SimpleUploadedFile("a.csv", sheet_bytes([member_row(1)], fmt="csv", encoding="gbk")),
            },
        )
    assert resp.status_code == 201, resp.content
    job_id = resp.json()["id"]
    detail = client.get(f"/api/v1/roster/imports/{job_id}/").json()
    assert detail["status"] == "validated" and detail["can_confirm"] and detail["created_count"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(f"/api/v1/roster/imports/{job_id}/confirm/")
    assert resp.status_code == 200
    assert client.get(f"/api/v1/roster/imports/{job_id}/status/").json()["status"] == "done"
    assert Member.objects.filter(member_no="M000001").exists()
    resp = client.get("/api/v1/roster/export/?kind=members&file_format=csv")
    body = b"".join(resp.streaming_content).decode("utf-8-sig")
    assert "M000001" in body and roles.member_b.member_no not in body
    bad = client.post("/api/v1/roster/imports/", {"kind": "members", "file": SimpleUploadedFile("a.xls", b"xx")})
    assert bad.status_code == 400 and ".xlsx" in bad.content.decode()
    assert login(roles.town_b_staff).get(f"/api/v1/roster/imports/{job_id}/").status_code == 404
    assert login(roles.member_a_user).get("/api/v1/roster/imports/").status_code == 403


def test_api_mapping(roles, login, django_capture_on_commit_callbacks):
    rows = [{"姓名": "张三", "编码号": "X1", "所在支部": "甲镇一村党支部", "入党日期": "2010-01-01"}]
    job = preview(roles.town_a_staff, sheet_upload(rows))
    client = login(roles.town_a_staff)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(
            f"/api/v1/roster/imports/{job.pk}/mapping/",
            {"mapping": {"编码号": "member_no"}},
            content_type="application/json",
        )
    assert resp.status_code == 200 and resp.json()["status"] == "uploaded"  # validation runs in the worker
    detail = client.get(f"/api/v1/roster/imports/{job.pk}/").json()
    assert detail["file_errors"] == [] and detail["can_confirm"] and detail["mapping"] == {"编码号": "member_no"}
    resp = client.post(
        f"/api/v1/roster/imports/{job.pk}/mapping/", {"mapping": {"不存在": "name"}}, content_type="application/json"
    )
    assert resp.status_code == 400 and "没有表头" in resp.content.decode()


def test_management_commands(roles, tmp_path):
    path = tmp_path / "members.xlsx"
    path.write_bytes(sheet_bytes([member_row(1), member_row(2)]))
    call_command("roster_import", str(path), "--user", "staff_a", "--dry-run")
    assert not Member.objects.filter(member_no="M000001").exists()
    call_command("roster_import", str(path), "--user", "staff_a")
    assert Member.objects.filter(member_no__in=["M000001", "M000002"]).count() == 2
    assert ImportJob.objects.filter(status="done").count() == 1
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(sheet_bytes([member_row(3, 所在支部="乙镇一村党支部")]))
    with pytest.raises(CommandError, match="校验未通过"):
        call_command("roster_import", str(bad), "--user", "staff_a")
    out = tmp_path / "out.xlsx"
    call_command("roster_export", str(out), "--user", "staff_a")
    assert out.stat().st_size > 0
    with pytest.raises(CommandError):
        call_command("roster_import", str(path), "--user", "member_a")


def test_wagtail_admin_menu_and_review(roles, login):
    job = preview(roles.town_a_staff, sheet_upload([member_row(1)]))
    client = login(roles.town_a_staff)
    menu = client.get("/admin/").content.decode()
    assert '"name": "roster"' in menu and '"url": "/roster/"' in menu
    listing = client.get("/admin/roster_imports/")
    assert listing.status_code == 200 and "花名册.xlsx" in listing.content.decode()
    assert client.get(f"/admin/roster_imports/inspect/{job.pk}/").status_code == 200
    assert login(roles.town_b_staff).get(f"/admin/roster_imports/inspect/{job.pk}/").status_code == 404
    assert client.get("/admin/roster_imports/new/").status_code in (302, 403)  # review only
    assert client.get(f"/admin/roster_imports/edit/{job.pk}/").status_code in (302, 403)


def test_home_panel_for_staff(roles, login):
    page = login(roles.town_a_staff).get("/").content.decode()
    assert "打开花名册" in page
    assert "打开花名册" not in login(roles.member_a_user).get("/").content.decode()
