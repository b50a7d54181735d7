"""Printable forms of 学习档案 and 结业证书: PDF through WeasyPrint (Chinese as real text in
Debian's Noto CJK fonts, so `pdftotext` and screen readers read it) and xlsx through
lms.spreadsheets (text that looks like a formula stays text)."""

from __future__ import annotations

import base64
import io
import logging

import qrcode
from django.template.loader import render_to_string
from openpyxl import Workbook

from lms.spreadsheets import hours, xlsx_row

from .models import Certificate
from .selectors import Archive, mask_name

# WeasyPrint logs every step at INFO (the site's log level): keep its progress out of the logs.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _pdf(template: str, context: dict) -> bytes:
    # Imported on first use, not at start-up: importing WeasyPrint takes seconds (fonts, its
    # stylesheets), which every web and worker process would pay for a rarely used page.
    from weasyprint import HTML

    return HTML(string=render_to_string(template, context)).write_pdf()


def archive_pdf(archive: Archive) -> bytes:
    return _pdf("records/pdf/archive.html", {"archive": archive, "member": archive.member})


def qr_data_uri(text: str) -> str:
    """A QR code of `text` as a PNG data URI (embedded in the PDF; nothing fetched)."""
    image = qrcode.make(text, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def certificate_pdf(certificate: Certificate, verify_url: str) -> bytes:
    return _pdf(
        "records/pdf/certificate.html",
        {
            "certificate": certificate,
            "verify_url": verify_url,
            "qr": qr_data_uri(verify_url),
            "masked_name": mask_name(certificate.member_name),
        },
    )


def _status_label(value: str) -> str:
    return {"met": "已达标", "at_risk": "有未达标风险", "not_met": "未达标"}.get(value, value)


def archive_xlsx(archive: Archive) -> bytes:
    """One member's archive: a sheet per part, one row per year / class / course / rule."""
    member = archive.member
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("年度汇总")
    ws.append(xlsx_row(ws, ["姓名", member.name, "党员编号", member.member_no, "所在支部", str(member.branch)]))
    ws.append(
        xlsx_row(
            ws,
            ["年度", "集中培训天数", "集中培训学时", "在线学习学时", "合计学时", "五年内培训天数", "全部达标", "积分"],
        )
    )
    for y in archive.years:
        ws.append(
            xlsx_row(
                ws,
                [
                    y.year,
                    y.days,
                    hours(y.inperson_hours),
                    hours(y.online_hours),
                    hours(y.total_hours),
                    y.window_days,
                    "是" if y.all_met else "否",
                    y.points,
                ],
            )
        )
    ws = wb.create_sheet("集中培训")
    ws.append(xlsx_row(ws, ["年度", "班次", "主办党校", "轮训班", "认定天数", "学时", "开始", "结束"]))
    for y in archive.years:
        for c in y.classes:
            ws.append(
                xlsx_row(
                    ws,
                    [
                        y.year,
                        c["training_class__title"],
                        c["training_class__school__name"],
                        "是" if c["is_rotation"] else "否",
                        c["days"],
                        hours(c["hours"]),
                        c["first"],
                        c["last"],
                    ],
                )
            )
    ws = wb.create_sheet("在线学习")
    ws.append(xlsx_row(ws, ["年度", "课程", "学习课时数", "完成课时数", "学时"]))
    for y in archive.years:
        for c in y.courses:
            ws.append(xlsx_row(ws, [y.year, c["title"], c["lessons"], c["completed"], hours(c["hours"])]))
    ws = wb.create_sheet("指标完成")
    ws.append(xlsx_row(ws, ["年度", "指标", "要求", "已完成", "单位", "状态", "说明"]))
    for y in archive.years:
        for r in y.results:
            ws.append(
                xlsx_row(
                    ws,
                    [
                        y.year,
                        r.rule.get_kind_display(),
                        r.required,
                        r.actual,
                        r.rule.unit,
                        _status_label(r.status),
                        r.explanation,
                    ],
                )
            )
    ws = wb.create_sheet("结业证书")
    ws.append(xlsx_row(ws, ["发证日期", "类型", "班次/课程", "发证单位", "验证码", "状态"]))
    for c in archive.certificates:
        ws.append(xlsx_row(ws, [c.issued_on, c.kind_label, c.title, c.school_name, c.code, c.get_status_display()]))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def branch_summary_xlsx(branch, rows: list[dict]) -> bytes:
    """The branch's summary sheet in the zip: this year's figures per member."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("档案汇总")
    ws.append(xlsx_row(ws, ["支部", branch.name]))
    ws.append(
        xlsx_row(
            ws,
            ["党员编号", "姓名", "年度", "集中培训天数", "合计学时", "全部达标", "五年内培训天数", "证书数", "积分"],
        )
    )
    for r in rows:
        ws.append(
            xlsx_row(
                ws,
                [
                    r["member_no"],
                    r["name"],
                    r["year"],
                    r["days"],
                    hours(r["hours"]),
                    "是" if r["all_met"] else "否",
                    r["window_days"],
                    r["certificates"],
                    r["points"],
                ],
            )
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
