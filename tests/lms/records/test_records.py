"""学习档案 and 结业证书: printable in Chinese, the same figures as the quotas, scoped doors,
idempotent issuing, revocation, and the branch zip job with its progress."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import tempfile
import zipfile
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from openpyxl import load_workbook

from lms.quotas.models import MemberYearStatus
from lms.quotas.rules import evaluate_member
from lms.quotas.services import quota_status_refresh
from lms.records import selectors
from lms.records.documents import archive_pdf, archive_xlsx, certificate_pdf
from lms.records.models import ArchiveJob, Certificate
from lms.records.services import (
    RecordsError,
    archive_job_create,
    certificate_revoke,
    class_certificates_issue,
    course_certificates_claim,
)
from tests.factories import MemberFactory, UserFactory
from tests.factories.courses import make_course, make_index, make_lesson
from tests.factories.quotas import credit, make_class, study
from tests.factories.records import closed_class

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(content)
        f.flush()
        return subprocess.run(
            ["pdftotext", "-enc", "UTF-8", f.name, "-"], capture_output=True, check=True
        ).stdout.decode()


@pytest.fixture
def world(roles):
    roles.member_a.name = "张三明"
    roles.member_a.save(update_fields=["name"])
    cc = closed_class(school=roles.tree.town_a, full=[roles.member_a], partial=[roles.member_b])
    return cc


# --- printable ------------------------------------------------------------------------------


def test_archive_pdf_has_the_name_and_class_title_as_chinese_text(roles, world):
    archive = selectors.member_archive(roles.member_a)
    text = pdf_text(archive_pdf(archive))
    assert "张三明" in text
    assert "2026年党支部书记示范培训班" in text
    assert "党员学习培训档案" in text


def test_certificate_pdf_has_name_title_and_code(roles, world):
    class_certificates_issue(training_class=world.training_class)
    cert = Certificate.objects.get(member=roles.member_a)
    text = pdf_text(certificate_pdf(cert, f"http://testserver/records/verify/{cert.code}/"))
    assert "张三明" in text
    assert "2026年党支部书记示范培训班" in text
    assert cert.code in text
    assert "结业证书" in text


def test_archive_xlsx_neutralises_formula_names(roles, world):
    roles.member_a.name = "=HYPERLINK(1)"
    roles.member_a.save(update_fields=["name"])
    wb = load_workbook(io.BytesIO(archive_xlsx(selectors.member_archive(roles.member_a))))
    ws = wb["年度汇总"]
    cell = ws.cell(row=1, column=2)
    assert cell.value == "=HYPERLINK(1)" and cell.data_type == "s"
    titles = [r[1] for r in wb["集中培训"].iter_rows(min_row=2, values_only=True)]
    assert "2026年党支部书记示范培训班" in titles


# --- one source of truth ---------------------------------------------------------------------


def _two_years_of_study(roles) -> tuple[dt.date, int]:
    """Member A: this year's closed class (world) and online study; last year a two-day class in
    town B with odd hours, and online study."""
    member = roles.member_a
    today = timezone.localdate()
    last_year = today.year - 1
    old = make_class(roles.tree.town_b, dt.date(last_year, 5, 6), dt.date(last_year, 5, 7), title="去年的轮训班")
    credit(member, dt.date(last_year, 5, 6), old, hours="3.5")
    credit(member, dt.date(last_year, 5, 7), old, hours="2.25")
    lesson = make_lesson(make_course(make_index(), title="党章学习"), duration=3600)
    study(member, dt.date(last_year, 3, 1), 5000, lesson=lesson)
    study(member, today.replace(day=1), 4321.5, lesson=lesson)
    study(member, today.replace(day=1), 777, lesson=make_lesson(make_course(make_index(), title="党史学习")))
    return today, last_year


def test_archive_figures_equal_quota_figures(roles, world):
    """Days, hours, the five-year window and every rule's status and actual, per year, are
    the quota evaluation's — and the stored summary the dashboards read."""
    member = roles.member_a
    today, last_year = _two_years_of_study(roles)

    archive = selectors.member_archive(member, today=today)
    assert [y.year for y in archive.years][:2] == [today.year, last_year]
    for year in (today.year, last_year):
        entry = next(y for y in archive.years if y.year == year)
        quota = evaluate_member(member, year, today)
        assert [(r.kind, r.status, r.actual, r.required) for r in entry.results] == [
            (r.kind, r.status, r.actual, r.required) for r in quota
        ]
        quota_status_refresh(year=year, today=today)
        row = MemberYearStatus.objects.get(member=member, year=year)
        assert entry.days == row.days_this_year
        assert entry.window_days == row.window_days_5y
        assert entry.inperson_hours == Decimal(row.inperson_hours).quantize(Decimal("0.01"))
        assert float(entry.total_hours) == pytest.approx(row.study_hours_total)
        hours_rule = next(r for r in quota if r.kind == "study_hours")
        assert entry.total_hours == hours_rule.actual
    this = archive.years[0]
    assert this.days == 1 and this.classes[0]["training_class__title"] == "2026年党支部书记示范培训班"
    assert {c["title"] for c in this.courses} == {"党章学习", "党史学习"}
    prev = next(y for y in archive.years if y.year == last_year)
    assert prev.days == 2 and prev.inperson_hours == Decimal("5.75")


def test_archive_api_answers_what_the_quota_api_answers(roles, world, login):
    """For a mobile app the two APIs must agree: each year of the member's archive carries the
    same rule results (same shape), hours and all-met as 我的进度 for that year."""
    _two_years_of_study(roles)
    client = login(roles.member_a_user)
    archive = client.get("/api/v1/records/me/archive/").json()
    assert len(archive["years"]) >= 2 and all(y["results"] for y in archive["years"][:2])
    for entry in archive["years"]:
        quota = client.get(f"/api/v1/quotas/progress/me/?year={entry['year']}").json()
        assert entry["results"] == quota["results"], entry["year"]
        assert (entry["all_met"], entry["inperson_hours"], entry["online_hours"]) == (
            quota["all_met"],
            quota["inperson_hours"],
            quota["online_hours"],
        ), entry["year"]
    staff = login(roles.town_a_staff)
    this_year = staff.get(f"/api/v1/records/members/{roles.member_a.pk}/archive/").json()["years"][0]
    quota = staff.get(f"/api/v1/quotas/progress/members/{roles.member_a.pk}/?year={this_year['year']}").json()
    assert this_year["results"] == quota["results"]


def test_archive_page_shows_the_quota_figures(roles, world, login):
    client = login(roles.member_a_user)
    response = client.get("/records/me/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "我的学习档案" in html and "2026年党支部书记示范培训班" in html
    quota_days = next(y for y in selectors.member_archive(roles.member_a).years).days
    assert f'data-field="days">{quota_days}<' in html


def test_points_total_per_year_comes_from_the_points_ledger(roles, world):
    from lms.points.selectors import member_points_total

    archive = selectors.member_archive(roles.member_a)
    for y in archive.years:
        assert y.points == member_points_total(roles.member_a, y.year)


# --- certificates ------------------------------------------------------------------------------


def test_class_issues_only_to_members_who_attended_every_required_session(roles, world):
    assert class_certificates_issue(training_class=world.training_class) == 1
    assert list(Certificate.objects.values_list("member_id", flat=True)) == [roles.member_a.pk]


def test_issuing_twice_issues_once(roles, world):
    assert class_certificates_issue(training_class=world.training_class) == 1
    code = Certificate.objects.get().code
    assert class_certificates_issue(training_class=world.training_class) == 0
    assert Certificate.objects.get().code == code


def test_the_database_refuses_a_second_certificate_of_the_same_class(roles, world):
    class_certificates_issue(training_class=world.training_class)
    first = Certificate.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            member=first.member,
            training_class=first.training_class,
            code="DUPLICATE0001",
            member_name=first.member_name,
            title=first.title,
            school_name=first.school_name,
            issued_on=first.issued_on,
        )


def test_a_class_that_has_not_closed_issues_nothing(roles):
    cc = closed_class(school=roles.tree.town_a, full=[roles.member_a], day=timezone.localdate() + dt.timedelta(days=3))
    with pytest.raises(RecordsError):
        class_certificates_issue(training_class=cc.training_class)
    assert not Certificate.objects.exists()


def test_staff_press_issue_and_the_job_issues(roles, world, login):
    client = login(roles.town_a_staff)
    url = f"/records/classes/{world.training_class.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url + "issue/")
    assert response.status_code == 302
    # The task runs after commit (eager in tests); the test transaction never commits, so run
    # what on_commit would have run.
    from lms.records.tasks import class_certificates_issue_task

    class_certificates_issue_task(world.training_class.pk)
    class_certificates_issue_task(world.training_class.pk)
    assert Certificate.objects.filter(training_class=world.training_class).count() == 1
    # Another town's staff: not in scope.
    other = login(roles.town_b_staff)
    assert other.get(url).status_code == 404
    assert other.post(url + "issue/").status_code == 404


def test_beat_sweep_issues_classes_that_closed(roles, world):
    from lms.records.tasks import certificates_sweep

    assert certificates_sweep() == 1
    assert certificates_sweep() == 0


def test_course_certificate_after_lessons_and_required_quiz(roles):
    from courses.models import StudyProgress
    from lms.quizzes.models import Attempt, QuizPass
    from tests.factories.quizzes import make_quiz

    course = make_course(make_index(), title="学习党章党规", school=roles.tree.town_a)
    lesson = make_lesson(course)
    quiz = make_quiz(course, required=True)
    member = roles.member_a
    StudyProgress.objects.create(member=member, lesson=lesson, watched_seconds=100, completed_at=timezone.now())
    assert course_certificates_claim(member=member) == 0  # quiz not passed yet
    attempt = Attempt.objects.create(quiz=quiz, member=member, draw=[], started_at=timezone.now())
    QuizPass.objects.create(
        quiz=quiz, member=member, year=timezone.localdate().year, attempt=attempt, passed_at=timezone.now()
    )
    assert course_certificates_claim(member=member) == 1
    assert course_certificates_claim(member=member) == 0
    cert = Certificate.objects.get(member=member, course=course)
    assert cert.title == "学习党章党规" and cert.school_name == roles.tree.town_a.name


def test_revoked_certificate_verifies_as_revoked(roles, world, client, login):
    class_certificates_issue(training_class=world.training_class)
    cert = Certificate.objects.get()
    page = client.get(f"/records/verify/{cert.code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "证书有效" in html and "张*明" in html and "张三明" not in html
    api = client.get(f"/api/v1/records/verify/{cert.code}/").json()
    assert api["valid"] is True and api["name"] == "张*明" and api["title"] == "2026年党支部书记示范培训班"

    with pytest.raises(RecordsError):
        certificate_revoke(certificate=cert, actor=roles.town_a_staff, reason="   ")
    with pytest.raises(RecordsError) as denied:
        certificate_revoke(certificate=cert, actor=roles.town_b_staff, reason="冒名顶替")
    assert denied.value.status == 403
    staff = login(roles.town_a_staff)
    response = staff.post(f"/records/certificates/{cert.pk}/revoke/", {"reason": "签到系代签，经核实撤销"})
    assert response.status_code == 302
    cert.refresh_from_db()
    assert cert.status == "revoked" and cert.revoke_reason == "签到系代签，经核实撤销"

    anonymous = type(client)()
    html = anonymous.get(f"/records/verify/{cert.code}/").content.decode()
    assert "证书已撤销" in html and "证书有效" not in html
    api = anonymous.get(f"/api/v1/records/verify/{cert.code}/").json()
    assert api["valid"] is False and api["status"] == "revoked"
    assert "签到系代签" not in html  # the reason is for staff, not the public
    assert anonymous.get("/records/verify/NOSUCHCODE/").status_code == 404
    # Revoking twice is refused, the first reason stays.
    with pytest.raises(RecordsError):
        certificate_revoke(certificate=cert, actor=roles.town_a_staff, reason="再次撤销")


def test_revoke_through_the_api_is_scoped(roles, world, client):
    class_certificates_issue(training_class=world.training_class)
    cert = Certificate.objects.get()
    client.force_login(roles.town_b_staff)
    assert client.post(f"/api/v1/records/certificates/{cert.pk}/revoke/", {"reason": "x"}).status_code == 404
    client.force_login(roles.member_a_user)
    assert client.post(f"/api/v1/records/certificates/{cert.pk}/revoke/", {"reason": "x"}).status_code == 403
    client.force_login(roles.department_a)
    response = client.post(f"/api/v1/records/certificates/{cert.pk}/revoke/", {"reason": "组织部核查撤销"})
    assert response.status_code == 200 and response.json()["status"] == "revoked"


# --- scope -----------------------------------------------------------------------------------------


def test_other_towns_members_and_branches_are_not_found(roles, world, client):
    a, b = roles.member_a, roles.member_b
    client.force_login(roles.town_b_staff)
    for url in (
        f"/records/members/{a.pk}/",
        f"/records/members/{a.pk}/archive.pdf",
        f"/records/members/{a.pk}/archive.xlsx",
        f"/records/branches/{roles.tree.branch_a.pk}/",
        f"/api/v1/records/members/{a.pk}/archive/",
        f"/api/v1/records/members/{a.pk}/archive.pdf",
        f"/api/v1/records/members/{a.pk}/archive.xlsx",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/records/branches/{roles.tree.branch_a.pk}/print/").status_code == 404
    response = client.post("/api/v1/records/archive-jobs/", {"branch": roles.tree.branch_a.pk})
    assert response.status_code == 404
    assert client.get(f"/api/v1/records/members/{b.pk}/archive/").status_code == 200
    # The county department sees both towns; town A's committee only town A.
    client.force_login(roles.department)
    assert client.get(f"/api/v1/records/members/{b.pk}/archive/").status_code == 200
    client.force_login(roles.department_a)
    assert client.get(f"/api/v1/records/members/{b.pk}/archive/").status_code == 404
    assert client.get(f"/api/v1/records/members/{a.pk}/archive/").status_code == 200


def test_a_member_reads_only_their_own_archive_and_prints_nothing(roles, world, client):
    client.force_login(roles.member_b_user)
    assert client.get(f"/api/v1/records/members/{roles.member_a.pk}/archive/").status_code == 404
    assert client.get(f"/api/v1/records/members/{roles.member_b.pk}/archive/").status_code == 200
    assert client.get("/records/print/").status_code == 403
    response = client.post("/api/v1/records/archive-jobs/", {"member": roles.member_b.pk})
    assert response.status_code == 403
    assert client.get("/records/me/").status_code == 200
    client.force_login(roles.nobody)
    assert client.get("/records/me/").status_code == 403
    assert client.get("/api/v1/records/me/archive/").status_code == 403


def test_a_branch_secretary_reads_their_branch_only(roles, world, client):
    secretary_user = UserFactory(username="shuji_a")
    MemberFactory(branch=roles.tree.branch_a, user=secretary_user, name="李书记", is_branch_secretary=True)
    client.force_login(secretary_user)
    assert client.get(f"/api/v1/records/members/{roles.member_a.pk}/archive/").status_code == 200
    assert client.get(f"/api/v1/records/members/{roles.member_b.pk}/archive/").status_code == 404
    assert client.get(f"/records/branches/{roles.tree.branch_a.pk}/").status_code == 200
    assert client.get(f"/records/branches/{roles.tree.branch_b.pk}/").status_code == 404
    certs = client.get("/api/v1/records/certificates/").json()
    assert all(c["member"] != roles.member_b.pk for c in certs)


def test_certificate_pdf_is_scoped(roles, world, client):
    class_certificates_issue(training_class=world.training_class)
    cert = Certificate.objects.get()
    client.force_login(roles.member_b_user)
    assert client.get(f"/records/certificates/{cert.pk}.pdf").status_code == 404
    client.force_login(roles.member_a_user)
    response = client.get(f"/records/certificates/{cert.pk}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    listed = client.get("/api/v1/records/certificates/").json()
    assert [c["code"] for c in listed] == [cert.code]


# --- the branch zip job ---------------------------------------------------------------------------


def test_branch_zip_job_reports_progress_and_holds_every_member(
    roles, world, client, monkeypatch, django_capture_on_commit_callbacks
):
    extra = [MemberFactory(branch=roles.tree.branch_a, name=f"王{n}明") for n in range(2)]
    seen = []
    import lms.records.documents as documents

    real_pdf = documents.archive_pdf

    def watching_pdf(archive):
        seen.append(ArchiveJob.objects.values_list("done", "total", "status").get())
        return real_pdf(archive)

    monkeypatch.setattr(documents, "archive_pdf", watching_pdf)
    client.force_login(roles.department)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/records/branches/{roles.tree.branch_a.pk}/print/")
    assert response.status_code == 302
    job = ArchiveJob.objects.get()
    assert seen == [(0, 3, "running"), (1, 3, "running"), (2, 3, "running")]
    status = client.get(f"/records/jobs/{job.pk}/status/").json()
    assert status["status"] == "done" and status["percent"] == 100 and status["done"] == 3
    page = client.get(f"/records/jobs/{job.pk}/").content.decode()
    assert "下载压缩包" in page
    download = client.get(f"/records/jobs/{job.pk}/download/")
    assert download.status_code == 200
    with zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))) as zf:
        names = zf.namelist()
        pdfs = [n for n in names if n.endswith(".pdf")]
        assert len(pdfs) == 3
        assert any("张三明" in n for n in pdfs) and all(m.name in " ".join(pdfs) for m in extra)
        assert any(n.endswith("档案汇总.xlsx") for n in names)
        text = pdf_text(zf.read(next(n for n in pdfs if "张三明" in n)))
        assert "2026年党支部书记示范培训班" in text
    # The job and its file are the requester's only.
    client.force_login(roles.department_a)
    assert client.get(f"/records/jobs/{job.pk}/status/").status_code == 404
    assert client.get(f"/api/v1/records/archive-jobs/{job.pk}/download/").status_code == 404


def test_job_through_the_api(roles, world, client, django_capture_on_commit_callbacks):
    client.force_login(roles.town_a_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/records/archive-jobs/", {"member": roles.member_a.pk})
    assert response.status_code == 202
    job_id = response.json()["id"]
    detail = client.get(f"/api/v1/records/archive-jobs/{job_id}/").json()
    assert detail["status"] == "done" and detail["percent"] == 100
    assert client.get(detail["download_path"]).status_code == 200
    assert client.post("/api/v1/records/archive-jobs/", {}).status_code == 400
    assert client.post("/api/v1/records/archive-jobs/", {"member": "9" * 30}).status_code == 400


def test_a_job_run_twice_runs_once(roles, world):
    from lms.records.services import archive_job_run

    with transaction.atomic():
        job = archive_job_create(user=roles.department, branch=roles.tree.branch_a)
    archive_job_run(job=job)
    first = ArchiveJob.objects.get(pk=job.pk)
    again = archive_job_run(job=job)
    assert again.file == first.file and again.status == "done"


def test_schema_lists_the_records_endpoints(client):
    schema = client.get("/api/schema/").content.decode()
    for path in (
        "/api/v1/records/members/{id}/archive/",
        "/api/v1/records/members/{id}/archive.pdf",
        "/api/v1/records/certificates/{id}/revoke/",
        "/api/v1/records/verify/{code}/",
        "/api/v1/records/archive-jobs/",
    ):
        assert path in schema, path
