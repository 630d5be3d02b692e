"""Hostile files at every door that takes a spreadsheet or a document: refused with a clear Chinese
reason before any spreadsheet library opens them, in bounded memory, and nothing is stored."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from assessment.scheme_workbook import read_scheme_workbook
from assessment.workbooks import WorkbookRejected
from cadres.models import Cadre
from cadres.roster import import_roster
from core.documents import check_attachment
from indicators.component_import import read_component_scores
from indicators.statistics_import import read_statistics
from supervision.record_import import read_record_rows

# A bounded refusal reads headers and the first bytes of each part, never the whole content.
MEMORY_BOUND_BYTES = 16 * 1024 * 1024


def workbook_bytes(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def billion_laughs() -> bytes:
    """A real workbook whose sheet declares nine levels of nested entities (10⁹ "lol"s)."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10))
    source = zipfile.ZipFile(io.BytesIO(workbook_bytes([["单位代码", "A1"], ["Z1", 1]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<worksheet", f"<!DOCTYPE lolz [{entities}]><worksheet".encode(), 1)
                data = data.replace(b"<v>1</v>", b"<v>&lol9;</v>", 1)
            archive.writestr(name, data)
    return out.getvalue()


def zip_bomb() -> bytes:
    out = io.BytesIO(workbook_bytes([["单位代码"], ["Z1"]]))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet2.xml", bytes(300 * 1024 * 1024))  # 300 MB of zeros, ~300 KB packed
    return out.getvalue()


def renamed_executable() -> bytes:
    return b"MZ\x90\x00\x03" + bytes(60) + b"PE\x00\x00" + bytes(2000)


HOSTILE = {
    "billion_laughs": (billion_laughs, "文件包含不允许的 XML 实体声明，已拒绝"),
    "zip_bomb": (zip_bomb, "文件解压后异常庞大，疑似压缩炸弹，已拒绝"),
    "renamed_executable": (renamed_executable, "文件扩展名是 xlsx，但内容不是有效的表格文件"),
    "oversize": (lambda: b"PK\x03\x04" + bytes(1_100_000), "超过了1 MB的上限"),
}


def statistics(data, filename, district):
    return read_statistics(data, filename, period=district["period"])


def roster(data, filename, district):
    result = import_roster(data, filename, commit=True)
    return [], result.problems


def records(data, filename, district):
    return read_record_rows(data, filename)


def scheme(data, filename, district):
    return read_scheme_workbook(data, filename)


def components(data, filename, district):
    return read_component_scores(data, filename, period=district["period"])


DOORS = {"statistics": statistics, "roster": roster, "records": records, "scheme": scheme, "components": components}


def refusal(door, data: bytes, district) -> str:
    try:
        outcome = door(data, "填报.xlsx", district)
    except WorkbookRejected as rejected:
        return "；".join(problem.message for problem in rejected.problems)
    problems = outcome[-1]
    return "；".join(problem.message for problem in problems)


@pytest.mark.parametrize("kind", list(HOSTILE))
@pytest.mark.parametrize("door", list(DOORS))
def test_every_spreadsheet_door_refuses_hostile_files_in_bounded_memory(district, settings, door, kind):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    make, reason = HOSTILE[kind]
    data = make()
    cadres_before = Cadre.objects.count()
    tracemalloc.start()
    try:
        message = refusal(DOORS[door], data, district)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert reason in message
    assert peak < MEMORY_BOUND_BYTES, f"{door}/{kind} used {peak / 1e6:.1f} MB"
    assert Cadre.objects.count() == cadres_before


@pytest.mark.parametrize("name", ["决定书.pdf", "谈话记录.docx", "照片.jpg"])
def test_an_executable_renamed_as_a_document_is_refused_as_an_attachment(name):
    with pytest.raises(ValidationError) as refused:
        check_attachment(SimpleUploadedFile(name, renamed_executable()))
    assert "内容不是允许的文件类型" in refused.value.messages[0] and "不看扩展名" in refused.value.messages[0]


def test_a_genuine_workbook_still_passes_every_check(district):
    data = workbook_bytes([["单位代码", "单位名称", "G1", "G2"], ["Z1", "东镇", 10, 90]])
    cells, problems = read_statistics(data, "统计.xlsx", period=district["period"])
    assert not [problem for problem in problems if problem.is_error]
    assert len(cells) == 2
