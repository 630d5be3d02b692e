"""The scheme workbook in the browser: upload → check → preview → confirm, and download."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from assessment.models import Period, PeriodState, Scheme
from assessment.scheme_workbook import apply_scheme, read_scheme_workbook
from cadres.models import Unit
from tests.golden import GOLDEN_SAMPLES
from tests.sheets import workbook_bytes

SAMPLES = GOLDEN_SAMPLES
IMPORT = reverse("assessment:scheme_import")
CONFIRM = reverse("assessment:scheme_import_confirm")
INDICATOR_HEADER = ["代码", "名称", "维度", "计量单位", "方向", "评分方法", "目标值", "数据来源", "人均基数"]


@pytest.fixture
def sample_scheme() -> bytes:
    path = SAMPLES / "scheme.xlsx"
    assert path.is_file(), f"the golden sample is missing: {path}"
    return path.read_bytes()


@pytest.fixture
def officer(client, personas):
    client.force_login(personas[Role.ASSESSMENT_OFFICER])
    return personas[Role.ASSESSMENT_OFFICER]


def upload(client, data: bytes, *, name="示例方案", year=2024, periods="2024，2024H1", filename="scheme.xlsx"):
    return client.post(IMPORT, {"name": name, "year": year, "periods": periods,
                                "file": SimpleUploadedFile(filename, data)})


def bad_sheets() -> dict[str, list[list[object]]]:
    """Component weights summing to 95 and a unit in a track that does not exist (row 4 of 单位)."""
    return {
        "板块": [["名称", "权重"], ["绩效考核", 60], ["班子民主测评", 20], ["民意调查", 15]],
        "赛道": [["代码", "名称"], ["A", "街道"]],
        "单位": [["代码", "名称", "赛道"], ["S01", "东城街道", "A"], ["S02", "西城街道", "A"], ["S03", "南山镇", "C"]],
        "指标": [[*INDICATOR_HEADER, "A"], ["E01", "地区生产总值增速", "经济发展", "%", "正向", "功效系数", None, "S01", None, 100]],
    }


def stored_schemes() -> list[str]:
    return sorted(str(scheme) for scheme in Scheme.objects.all())


def test_it_previews_the_golden_sample_without_storing_anything(client, officer, sample_scheme):
    before = (stored_schemes(), Period.objects.count(), Unit.objects.count())
    response = upload(client, sample_scheme)

    assert response.status_code == 200
    page = response.content.decode()
    assert "检查通过，请确认导入" in page and "将新建方案“2024 示例方案”" in page
    assert "工作簿中有板块 3 个、赛道 2 个、单位 14 个、指标 6 个。" in page
    preview = response.context["check"].preview
    assert (preview.created["indicators"], preview.created["tracks"], preview.created["periods"]) == (6, 2, 2)
    assert "<tr><th>指标</th><td class=\"text-end\">6</td>" in page
    assert "将开启周期：2024、2024H1" in page
    assert CONFIRM in page and response.context["token"]
    # Nothing is stored until the officer confirms: no scheme, period, unit or audit entry.
    assert (stored_schemes(), Period.objects.count(), Unit.objects.count()) == before
    assert not AuditEvent.objects.filter(action="assessment.scheme.loaded").exists()


def test_it_loads_the_confirmed_workbook_and_opens_the_scheme_page(client, officer, sample_scheme):
    token = upload(client, sample_scheme).context["token"]
    response = client.post(CONFIRM, {"token": token})

    scheme = Scheme.objects.get(name="示例方案", year=2024)
    assert response.status_code == 302 and response.url == scheme.get_absolute_url()
    assert scheme.tracks.count() == 2 and scheme.memberships.count() == 14
    assert sorted(scheme.indicators.values_list("code", flat=True)) == ["E01", "E02", "E03", "E04", "E05", "E06"]
    assert sorted(scheme.periods.values_list("code", flat=True)) == ["2024", "2024H1"]
    assert [str(message) for message in get_messages(response.wsgi_request)][0].startswith("已新建方案“2024 示例方案”")
    event = AuditEvent.objects.get(action="assessment.scheme.loaded")
    assert event.user == officer and event.detail["filename"] == "scheme.xlsx"
    # The token is used up: confirming twice loads nothing twice.
    again = client.post(CONFIRM, {"token": token})
    assert again.status_code == 302 and again.url == IMPORT
    assert AuditEvent.objects.filter(action="assessment.scheme.loaded").count() == 1


def test_it_lists_every_problem_of_a_bad_workbook_in_chinese_and_offers_no_confirm(client, officer):
    before = stored_schemes()
    response = upload(client, workbook_bytes(bad_sheets()), name="错误方案")

    page = response.content.decode()
    assert "方案未导入" in page and "检查通过" not in page
    assert CONFIRM not in page and response.context["token"] is None
    located = {(p.sheet, p.row, p.column) for p in response.context["check"].errors}
    assert {("板块", None, "权重"), ("单位", 4, "赛道")} <= located
    assert "板块权重合计为95，应为100" in page
    # The problem table shows the row where it is: sheet 单位, row 4, column 赛道 (column C).
    assert re.search(r"<td>单位</td>\s*<td>4</td>\s*<td>赛道（C）</td>", page)
    assert "<code>C</code>" in page and "赛道代码不存在" in page
    assert stored_schemes() == before


def test_it_refuses_a_period_code_it_cannot_read_before_reading_the_file(client, officer, sample_scheme):
    response = upload(client, sample_scheme, periods="2024 2024Q5")
    assert response.context["check"] is None
    assert "2024Q5：周期代码无法识别" in response.content.decode()
    assert not Scheme.objects.filter(name="示例方案").exists()


def test_it_shows_why_a_scheme_with_a_locked_period_cannot_change(client, officer, sample_scheme):
    draft, _problems = read_scheme_workbook(sample_scheme, "scheme.xlsx")
    scheme = apply_scheme(draft, name="示例方案", year=2024, period_codes=["2024"]).scheme
    scheme.periods.update(state=PeriodState.LOCKED)
    scheme.components.filter(name="民意调查").update(weight=25)  # so the workbook would change it back

    response = upload(client, sample_scheme, periods="")
    assert CONFIRM not in response.content.decode()
    assert "2024 已锁定" in response.content.decode()


def test_it_offers_no_confirm_when_the_workbook_changes_nothing(client, officer, sample_scheme):
    token = upload(client, sample_scheme).context["token"]
    client.post(CONFIRM, {"token": token})
    response = upload(client, sample_scheme)
    assert "工作簿与现有方案一致，无需导入。" in response.content.decode()
    assert response.context["token"] is None and CONFIRM not in response.content.decode()


def test_it_downloads_a_scheme_that_reads_back_and_applies_without_changes(client, officer, sample_scheme):
    draft, _problems = read_scheme_workbook(sample_scheme, "scheme.xlsx")
    scheme = apply_scheme(draft, name="示例方案", year=2024).scheme

    response = client.get(reverse("assessment:scheme_download", args=[scheme.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''2024_%E7%A4%BA%E4%BE%8B%E6%96%B9%E6%A1%88.xlsx")
    data = b"".join(response.streaming_content)
    again, problems = read_scheme_workbook(data, "2024_示例方案.xlsx")
    assert again is not None and not problems, [str(p) for p in problems]
    assert apply_scheme(again, name="示例方案", year=2024).changes == 0
    event = AuditEvent.objects.get(action="assessment.scheme.downloaded")
    assert event.user == officer and event.object_id == str(scheme.pk)
    assert event.detail["filename"] == "2024_示例方案.xlsx"


def test_it_links_the_import_and_the_download_from_the_scheme_pages(client, officer, registry):
    scheme = registry["scheme"]
    assert IMPORT in client.get(reverse("assessment:scheme_list")).content.decode()
    detail = client.get(scheme.get_absolute_url()).content.decode()
    assert reverse("assessment:scheme_download", args=[scheme.pk]) in detail
    assert f"{IMPORT}?name=%E6%B5%8B%E8%AF%95%E6%96%B9%E6%A1%88&amp;year=2024" in detail
    prefilled = client.get(IMPORT, {"name": scheme.name, "year": scheme.year}).content.decode()
    assert 'value="测试方案"' in prefilled and 'value="2024"' in prefilled


def test_a_system_administrator_may_download_but_not_import(client, personas, registry):
    client.force_login(personas[Role.SYSTEM_ADMIN])
    scheme = registry["scheme"]
    assert client.get(reverse("assessment:scheme_download", args=[scheme.pk])).status_code == 200
    assert client.get(IMPORT).status_code == 403
    assert IMPORT not in client.get(reverse("assessment:scheme_list")).content.decode()
    assert IMPORT not in client.get(scheme.get_absolute_url()).content.decode()


@pytest.mark.parametrize("role", [Role.UNIT_VIEWER, Role.DATA_PROVIDER])
def test_it_refuses_import_and_download_to_a_role_without_schemes(client, personas, registry, sample_scheme, role):
    client.force_login(personas[role])
    assert client.get(IMPORT).status_code == 403
    assert upload(client, sample_scheme).status_code == 403
    assert client.post(CONFIRM, {"token": "anything"}).status_code == 403
    assert client.get(reverse("assessment:scheme_download", args=[registry["scheme"].pk])).status_code == 403
    assert not Scheme.objects.filter(name="示例方案").exists()
    assert not AuditEvent.objects.filter(action__startswith="assessment.scheme.").exists()
