"""Chinese by default, English when chosen, and no untranslated Chinese left in the English UI."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.roles import Role

CJK = re.compile(r"[\u4e00-\u9fff]+")


def choose_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.django_db
def test_the_login_page_is_chinese_even_for_an_english_browser(client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "干部考核与监督平台" in page and 'lang="zh-hans"' in page


@pytest.mark.django_db
def test_the_language_switch_turns_the_interface_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302
    page = client.get(reverse("login")).content.decode()
    assert 'lang="en"' in page
    # The only Chinese left is the name of the Chinese language in the switch itself.
    assert set(CJK.findall(visible_text(page))) == {"简体中文"}


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["dashboard", "cadres:unit_list", "cadres:cadre_list", "cadres:roster_import",
                                      "assessment:scheme_list", "assessment:grade_index", "indicators:index",
                                      "supervision:index"])
def test_every_page_frame_is_translated(client, personas, registry, url_name):
    user = personas[Role.SUPERVISION_OFFICER if url_name == "supervision:index" else Role.ASSESSMENT_OFFICER]
    client.force_login(user)
    choose_english(client)
    text = visible_text(client.get(reverse(url_name)).content.decode())
    # Data (unit, cadre and scheme names) stays Chinese; everything the product itself says is English.
    data_words = {"简体中文", "甲镇", "乙镇", "统计局", "张三", "李四", "党委书记", "副镇长", "测试方案", "乡镇", "正科级", "副科级"}
    # The roster's column names are the file format itself, so the English help quotes them.
    file_format_words = {"身份证号", "姓名", "性别", "出生日期", "单位代码", "职务", "类别", "正职", "副职", "成员",
                         "任职时间", "职级"}
    untranslated = set(CJK.findall(text)) - data_words - file_format_words
    assert not untranslated, untranslated
