"""The scheme workbook's vocabulary: sheet names, column headers and the Chinese words of its cells.

The reader and the writer share it, so a workbook the product writes reads back unchanged.
"""

from __future__ import annotations

from django.db import models

from assessment.models import Direction, Method
from assessment.workbooks import ColumnSpec
from cadres.models import UnitKind

# These words are the contract with the departments (SPEC §9), so they are fixed Chinese and
# never translated: a workbook written under another UI language must still read back.
PERFORMANCE_COMPONENT = "绩效考核"
DIRECTION_WORDS = {"正向": Direction.HIGHER, "逆向": Direction.LOWER}
METHOD_WORDS = {"功效系数": Method.EFFICACY, "目标完成率": Method.TARGET, "排名": Method.RANK,
                "达标": Method.THRESHOLD, "直接赋分": Method.DIRECT}
BASE_ATTRIBUTE_WORDS = {"人口": "population", "面积": "area_km2", "地区生产总值": "gdp", "财政收入": "fiscal_revenue"}
UNIT_KIND_WORDS = {"乡镇": UnitKind.TOWNSHIP, "街道": UnitKind.STREET, "区直部门": UnitKind.DEPARTMENT,
                   "国有企业": UnitKind.STATE_ENTERPRISE, "高校": UnitKind.UNIVERSITY,
                   "开发区": UnitKind.DEVELOPMENT_ZONE, "县市区": UnitKind.COUNTY}

COMPONENT_SHEET = ("板块", "components")
TRACK_SHEET = ("赛道", "tracks")
UNIT_SHEET = ("单位", "units")
INDICATOR_SHEET = ("指标", "indicators")

COMPONENT_COLUMNS = (ColumnSpec("name", "名称"), ColumnSpec("weight", "权重"))
TRACK_COLUMNS = (ColumnSpec("code", "代码"), ColumnSpec("name", "名称"))
UNIT_COLUMNS = (
    ColumnSpec("code", "代码"),
    ColumnSpec("name", "名称"),
    ColumnSpec("track", "赛道"),
    # The registry's own labels carry the unit of measure; accept them as they are typed too.
    ColumnSpec("population", "人口", ("人口（万人）", "人口(万人)"), required=False),
    ColumnSpec("area_km2", "面积", ("面积（平方公里）", "面积(平方公里)"), required=False),
    ColumnSpec("gdp", "地区生产总值", ("地区生产总值（亿元）", "地区生产总值(亿元)"), required=False),
    ColumnSpec("fiscal_revenue", "财政收入", ("财政收入（亿元）", "财政收入(亿元)"), required=False),
    ColumnSpec("kind", "类型", ("type",), required=False),
)
INDICATOR_COLUMNS = (
    ColumnSpec("code", "代码"),
    ColumnSpec("name", "名称"),
    ColumnSpec("dimension", "维度"),
    ColumnSpec("measure", "计量单位", required=False),
    ColumnSpec("direction", "方向"),
    ColumnSpec("method", "评分方法"),
    ColumnSpec("target", "目标值", required=False),
    ColumnSpec("provider", "数据来源"),
    ColumnSpec("per_capita_base", "人均基数", required=False),
)
BASE_ATTRIBUTE_KEYS = tuple(BASE_ATTRIBUTE_WORDS.values())
TRACK_KEY = "track:"  # the key of a track's weight column in the 指标 sheet


def max_length(model: type[models.Model], name: str) -> int:
    return model._meta.get_field(name).max_length
