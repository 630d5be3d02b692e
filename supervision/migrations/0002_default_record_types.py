"""The default record types of SPEC §7 with the grade effects of SPEC §6. Kept here as frozen data:
later edits in admin are the office's own and are not overwritten."""

from decimal import Decimal

from django.db import migrations

NOT_EXCELLENT = "not_excellent"
UNDETERMINED = "undetermined"
UNDETERMINED_TWO_YEARS = "undetermined_two_years"
INCOMPETENT = "incompetent"

# (type, subtype, points, impact months, blocks while without outcome, has outcomes, grade effect)
DEFAULT_RECORD_TYPES = [
    ("提醒谈话", "", "1", None, False, False, ""),
    ("函询", "", "2", None, True, True, ""),
    ("函询", "采信了结", "0", None, False, True, ""),
    ("函询", "谈话提醒", "2", None, False, True, ""),
    ("函询", "批评教育", "2", None, False, True, ""),
    ("函询", "责令检查", "2", None, False, True, ""),
    ("函询", "诫勉", "2", None, False, True, ""),
    ("诫勉", "", "4", 6, False, False, NOT_EXCELLENT),
    ("信访举报", "收到", "0", None, False, False, ""),
    ("信访举报", "部分属实", "2", None, False, False, ""),
    ("信访举报", "属实", "3", None, False, False, ""),
    ("信访举报", "不属实", "0", None, False, False, ""),
    ("审计问题", "一般", "1", None, False, False, ""),
    ("审计问题", "重大", "3", None, False, False, ""),
    ("个人有关事项查核", "一致", "0", None, False, False, ""),
    ("个人有关事项查核", "漏报", "1", None, False, False, ""),
    ("个人有关事项查核", "瞒报", "4", 12, False, False, ""),
    ("通报批评", "", "2", None, False, False, ""),
    ("组织处理", "调整职务", "4", 12, False, False, NOT_EXCELLENT),
    ("组织处理", "责令辞职", "6", 24, False, False, UNDETERMINED),
    ("组织处理", "免职", "6", 24, False, False, UNDETERMINED),
    ("组织处理", "降职", "6", 24, False, False, UNDETERMINED),
    ("党纪处分", "警告", "6", 12, False, False, NOT_EXCELLENT),
    ("党纪处分", "严重警告", "8", 18, False, False, UNDETERMINED),
    ("党纪处分", "撤销党内职务", "10", 24, False, False, INCOMPETENT),
    ("党纪处分", "留党察看", "12", 48, False, False, INCOMPETENT),
    ("党纪处分", "开除党籍", "20", 60, False, False, INCOMPETENT),
    ("政务处分", "警告", "6", 6, False, False, NOT_EXCELLENT),
    ("政务处分", "记过", "7", 12, False, False, UNDETERMINED),
    ("政务处分", "记大过", "8", 18, False, False, UNDETERMINED_TWO_YEARS),
    ("政务处分", "降级", "10", 24, False, False, UNDETERMINED_TWO_YEARS),
    ("政务处分", "撤职", "12", 24, False, False, UNDETERMINED_TWO_YEARS),
    ("政务处分", "开除", "20", None, False, False, ""),
    ("立案审查调查", "", "8", None, True, True, UNDETERMINED),
    ("立案审查调查", "已结案", "8", None, False, True, UNDETERMINED),
    ("请销假/出入境违规", "", "1", None, False, False, ""),
]


def add_default_record_types(apps, schema_editor):
    RecordType = apps.get_model("supervision", "RecordType")
    for order, (name, subtype, points, months, blocks_while_open, has_outcomes, effect) in enumerate(
        DEFAULT_RECORD_TYPES, start=1
    ):
        RecordType.objects.get_or_create(name=name, subtype=subtype, defaults={
            "points": Decimal(points), "impact_months": months, "blocks_while_open": blocks_while_open,
            "has_outcomes": has_outcomes, "grade_effect": effect, "sort_order": order * 10,
        })


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_records")]
    operations = [migrations.RunPython(add_default_record_types, migrations.RunPython.noop)]
