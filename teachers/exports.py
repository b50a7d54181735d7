"""Excel export of the annual assessment (openpyxl), with Chinese headers."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from lms.spreadsheets import percent, xlsx_row

from .selectors import Assessment

FLAG_FILL = PatternFill("solid", fgColor="FDE2E1")


def assessment_headers(assessment: Assessment) -> list[str]:
    return [
        "排名（类别内）",
        "姓名",
        "类别",
        "工作单位",
        "职务/职称",
        "讲授专长",
        "在册",
        "授课次数",
        "参训人次",
        "评价份数",
        "参评率",
        *[f"{d.name}均分" for d in assessment.dimensions],
        "综合得分",
        "上年综合得分",
        "较上年变化",
        "调整提示",
    ]


def assessment_workbook(assessment: Assessment) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = f"{assessment.year}年度讲师考核"
    ws.append(xlsx_row(ws, assessment_headers(assessment)))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in assessment.rows:
        t = r.teacher
        ws.append(
            xlsx_row(
                ws,
                [
                    r.rank,
                    t.name,
                    t.get_kind_display(),
                    t.unit,
                    t.title,
                    "、".join(t.specialty_labels),
                    "是" if r.on_roster else "否",
                    r.sessions,
                    r.attendees,
                    r.responses,
                    percent(r.response_rate),
                    *[float(v) if v is not None else None for v in r.dimension_means],
                    float(r.overall) if r.overall is not None else None,
                    float(r.previous_overall) if r.previous_overall is not None else None,
                    float(r.change) if r.change is not None else None,
                    "；".join(r.flags),
                ],
            )
        )
        if r.flags:
            for cell in ws[ws.max_row]:
                cell.fill = FLAG_FILL
    widths = {2: 10, 3: 10, 4: 24, 5: 16, 6: 30, len(assessment_headers(assessment)): 30}
    for col in range(1, ws.max_column + 1):
        ws.column_dimensions[get_column_letter(col)].width = widths.get(col, 12)
    ws.freeze_panes = "C2"
    th = assessment.thresholds
    note = wb.create_sheet("说明")
    note.append(xlsx_row(note, ["年度", assessment.year]))
    note.append(xlsx_row(note, ["综合得分预警线", float(th.score_threshold)]))
    note.append(xlsx_row(note, ["最少授课次数", th.min_sessions]))
    note.append(xlsx_row(note, ["计分最少评价数", th.min_responses]))
    note.append(xlsx_row(note, ["参评率", "评价份数 ÷ 参训人次（出席的学员人次）"]))
    note.append(xlsx_row(note, ["综合得分", "全部评价维度得分的平均值；评价份数不足时不计分、不排名"]))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
