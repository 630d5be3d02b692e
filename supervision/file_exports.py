"""Excel downloads of the supervision pages: the three lists, a periodic report, a batch pre-check.

Headers are Chinese. Text that a spreadsheet would run as a formula (starting with = + - @, or a tab
or carriage return that some programs strip first) is written with a leading apostrophe, so a summary
or a name typed by someone else can never execute on an officer's machine.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from core.spreadsheets.formula_guard import formula_safe
from supervision.lists import ListKind, ThreeLists
from supervision.models import SupervisionReport
from supervision.precheck import Verdict
from supervision.precheck_batch import BatchEntry
from supervision.reports import period_label


def workbook_bytes(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[object]]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append([formula_safe(name) for name in header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([formula_safe(value) for value in row])
        sheet.freeze_panes = "A2"
        for index, name in enumerate(header):
            sheet.column_dimensions[sheet.cell(row=1, column=index + 1).column_letter].width = max(10, len(name) * 2 + 4)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def lists_workbook(lists: ThreeLists) -> bytes:
    header = [_("序号"), _("姓名"), _("身份证号"), _("单位及职务"), _("年度考核等次"), _("积分"), _("标准线"), _("列入理由")]
    sheets = []
    for kind in ListKind:
        rows = [
            [number, entry.cadre.name, entry.cadre.id_number, entry.titles, entry.grade.grade if entry.grade else "",
             float(entry.points), entry.line_label, "；".join(entry.reasons)]
            for number, entry in enumerate(lists.of(kind.value), start=1)
        ]
        sheets.append((f"{kind.label}", header, rows))
    return workbook_bytes(sheets)


def _change_rows(rows: list[dict]) -> list[list[object]]:
    return [[row["name"], row["current"], row["previous"], row["change"],
             "" if row["percent"] is None else row["percent"]] for row in rows]


def report_workbook(report: SupervisionReport, tables: dict) -> bytes:
    label = period_label(report.kind, report.period_start)
    change_header = [_("项目"), label, tables.get("previous_label", _("上期")), _("增减"), _("增减（%）")]
    if tables.get("empty"):
        return workbook_bytes([(_("概况"), change_header, [])])
    unit_header = [_("单位代码"), _("单位名称"), label, tables["previous_label"], _("增减"), _("增减（%）")]
    return workbook_bytes([
        (_("概况"), change_header, _change_rows(tables["summary"])),
        (_("按类型"), change_header, _change_rows(tables["by_type"])),
        (_("按来源部门"), change_header, _change_rows(tables["by_source"])),
        (_("按单位"), unit_header, [[row["code"], *values] for row, values in
                                 zip(tables["by_unit"], _change_rows(tables["by_unit"]), strict=True)]),
        (_("触线预警"), change_header, _change_rows(tables["alerts_by_line"])),
        (_("单位预警"), change_header, _change_rows(tables["warnings_by_level"])),
        (_("红橙预警单位"), [_("单位代码"), _("单位名称"), _("预警等级"), _("原因")],
         [[unit["code"], unit["name"], unit["level_label"], unit["reason"]] for unit in tables["serious_units"]]),
    ])


def _reasons(verdict: Verdict) -> str:
    return "\n".join(f"{block.text}（{block.ends_text}）" for block in verdict.blocks)


def precheck_workbook(entries: list[BatchEntry]) -> bytes:
    header = [_("行"), _("身份证号"), _("姓名"), _("现任职务"), _("核查日期"), _("结论"), _("影响提拔的情形及解除日期"),
              _("凡提四必未完成")]
    rows = []
    for entry in entries:
        verdict = entry.verdict
        if verdict is None:
            rows.append([entry.line, entry.id_number, "", "", "", _("未核查"), entry.problem, ""])
            continue
        posts = getattr(verdict.cadre, "current_posts", None) or []
        rows.append([
            entry.line, entry.id_number, verdict.cadre.name, "、".join(f"{p.unit.name}{p.title}" for p in posts),
            verdict.on, verdict.status_label, _reasons(verdict),
            "、".join(state.label for state in verdict.missing_checks),
        ])
    return workbook_bytes([(_("任前核查"), header, rows)])
