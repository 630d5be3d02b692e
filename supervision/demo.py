"""The demo district's supervision records: about 5,000 records from 2019 to today, from the 1+6 source
departments, invented with a seeded random generator (the same records for the same day).

The spread is what a district's file looks like: most records carry no points (the yearly random checks
of personal-matters reports, petitions received or found untrue, inquiries cleared), the records with
points are old enough to have left the 12-month window, and only a handful of units have cadres with
points now, so that two are red, three orange and four yellow. A few sanctions dated one to two years
ago still block promotion. Records are written with bulk_create; the evaluation then runs once.
"""

from __future__ import annotations

import datetime
import importlib
import random
from collections import defaultdict
from dataclasses import dataclass

from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.utils import timezone

from cadres.models import Appointment, Cadre
from supervision.evaluation import evaluate_everyone
from supervision.models import Record, RecordType
from supervision.points import add_months, window_start
from supervision.records import follow_up_summary

SEED = 2019
FIRST_DAY = datetime.date(2019, 1, 1)
SUPERVISION_OFFICER = "jiandu"

DOCUMENT_PREFIXES = {"纪委监委": "云纪", "公安": "云公", "检察院": "云检", "法院": "云法", "审计": "云审",
                     "信访": "云信", "组织部": "云组"}

SUMMARIES = {
    "提醒谈话": ["履行全面从严治党主体责任不到位", "对群众反映的问题回应不及时，工作作风不够扎实",
               "对分管领域安全隐患排查不细", "执行请示报告制度不严格", "会风文风不实，督查检查过多过频"],
    "函询": ["反映其在工程项目招投标中打招呼", "反映其亲属在辖区经商办企业", "反映其违规收受礼金",
           "反映其公车私用", "反映其违规兼职取酬"],
    "诫勉": ["对分管领域发生的问题负有领导责任", "履职不力，造成不良影响"],
    "信访举报": ["群众来信反映其工作作风粗暴", "反映征地拆迁补偿不公", "反映其违规插手项目",
             "反映其违规办理低保", "反映其长期不在岗"],
    "审计问题": ["经济责任审计发现专项资金未按规定用途使用", "审计发现政府采购程序不规范",
             "审计发现重大项目超概算未履行报批程序", "审计发现往来款项长期未清理"],
    "个人有关事项查核": ["个人有关事项报告随机抽查核实", "提拔前个人有关事项报告重点抽查"],
    "通报批评": ["在全区作风建设专项督查中被通报", "落实防汛责任不力被区委通报", "重点工作推进滞后被通报",
             "被列入失信被执行人名单，经法院通报"],
    "组织处理": ["履职不力，经区委研究予以组织处理", "年度考核排名靠后且问题整改不到位"],
    "党纪处分": ["违反中央八项规定精神，违规接受宴请", "违反廉洁纪律，违规收受礼品礼金",
             "违反工作纪律，对重大事项失职失责", "违反组织纪律，在干部选拔任用中打招呼"],
    "政务处分": ["违规发放津贴补贴", "滥用职权，违规审批", "玩忽职守，造成国有资产损失"],
    "立案审查调查": ["涉嫌严重违纪违法，经批准立案审查调查"],
    "请销假/出入境违规": ["未按规定履行请假手续离开工作岗位", "未按规定报批因私出国（境）"],
}

# (type, {subtype: weight}, sources by weight, records a year) of the records spread over everyone.
# Subtypes that end a career (开除, 责令辞职) are left out: these cadres are still in office.
BACKGROUND = (
    ("个人有关事项查核", {"一致": 92, "漏报": 7, "瞒报": 1}, {"组织部": 1}, 110),
    ("信访举报", {"收到": 55, "不属实": 30, "部分属实": 10, "属实": 5},
     {"信访": 70, "纪委监委": 15, "公安": 8, "法院": 4, "检察院": 3}, 290),
    ("提醒谈话", {"": 1}, {"组织部": 60, "纪委监委": 40}, 60),
    ("函询", {"采信了结": 50, "谈话提醒": 20, "批评教育": 15, "责令检查": 10, "诫勉": 5},
     {"纪委监委": 85, "组织部": 15}, 40),
    ("审计问题", {"一般": 80, "重大": 20}, {"审计": 1}, 50),
    ("通报批评", {"": 1}, {"纪委监委": 60, "组织部": 30, "法院": 10}, 25),
    ("请销假/出入境违规", {"": 1}, {"组织部": 60, "公安": 40}, 20),
    ("党纪处分", {"警告": 50, "严重警告": 30, "撤销党内职务": 12, "留党察看": 8}, {"纪委监委": 1}, 10),
    ("政务处分", {"警告": 45, "记过": 30, "记大过": 15, "降级": 7, "撤职": 3}, {"纪委监委": 1}, 6),
    ("组织处理", {"调整职务": 60, "免职": 20, "降职": 20}, {"组织部": 1}, 5),
)
# Sanctions dated before the window whose impact period still runs: no points now, no promotion yet.
RUNNING_SANCTIONS = (("党纪处分", "留党察看", 26), ("党纪处分", "撤销党内职务", 20), ("政务处分", "降级", 15),
                     ("组织处理", "免职", 14), ("政务处分", "撤职", 18), ("组织处理", "降职", 16))


@dataclass(frozen=True)
class HotUnit:
    """A unit with points now: the records of one or more of its cadres as (type, subtype, months ago),
    and the number of further cadres of the unit given one 1-point record each."""

    colour: str
    cadre_records: tuple[tuple[tuple[str, str, int], ...], ...]
    cadres_with_one_point: int = 0


HOT_UNITS = (
    HotUnit("red", ((("党纪处分", "严重警告", 3), ("审计问题", "一般", 7), ("提醒谈话", "", 9)),)),
    HotUnit("red", ((("信访举报", "部分属实", 4),),), cadres_with_one_point=2),
    HotUnit("orange", ((("政务处分", "警告", 2),),)),
    HotUnit("orange", ((("立案审查调查", "", 2),),)),
    HotUnit("orange", ((("函询", "诫勉", 5),),), cadres_with_one_point=1),
    HotUnit("yellow", ((("通报批评", "", 6), ("提醒谈话", "", 3)),)),
    HotUnit("yellow", ((("个人有关事项查核", "瞒报", 8),),)),
    HotUnit("yellow", ((("提醒谈话", "", 1),),)),
    HotUnit("yellow", ((("函询", "", 1),),)),
)
# Teams of 8 to 10 cadres: the share rule then makes 3 cadres with points red, 2 orange and 1 yellow.
HOT_UNIT_SIZES = range(8, 11)


class DemoRecords:
    """Collects the demo's records, numbering each source department's documents per year."""

    def __init__(self, rng: random.Random, types: dict[tuple[str, str], RecordType], entered_by):
        self.rng = rng
        self.types = types
        self.entered_by = entered_by
        self.records: list[Record] = []
        self.follow_ups: list[tuple[Record, datetime.date]] = []
        self.numbers: dict[tuple[str, int], int] = defaultdict(int)

    def document_number(self, source: str, day: datetime.date) -> str:
        prefix = DOCUMENT_PREFIXES[source]
        self.numbers[(prefix, day.year)] += 1
        return f"{prefix}〔{day.year}〕{self.numbers[(prefix, day.year)]}号"

    def add(self, cadre_id: int, name: str, subtype: str, day: datetime.date, source: str) -> Record:
        record_type = self.types[(name, subtype)]
        summary = self.rng.choice(SUMMARIES[name])
        if name == "个人有关事项查核":
            summary = f"{day.year}年度{summary}"
        record = Record(cadre_id=cadre_id, record_type=record_type, date=day, source=source,
                        document_number=self.document_number(source, day), summary=summary,
                        entered_by=self.entered_by)
        self.records.append(record)
        if name == "函询" and subtype == "诫勉":
            self.follow_ups.append((record, day))
        return record


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _day_between(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randrange((last - first).days + 1))


def _add_background(demo: DemoRecords, cadre_ids: list[int], today: datetime.date, cutoff: datetime.date) -> None:
    """Records spread over every cadre; those with points are dated before the window."""
    rng = demo.rng
    years = (today - FIRST_DAY).days / 365.25
    for name, subtypes, sources, per_year in BACKGROUND:
        for _ in range(round(per_year * years)):
            subtype = _weighted(rng, subtypes)
            has_points = demo.types[(name, subtype)].points > 0
            day = _day_between(rng, FIRST_DAY, cutoff if has_points else today)
            if name == "函询" and subtype == "诫勉":
                day = min(day, add_months(cutoff, -2))  # the 诫勉 that follows stays before the window too
            cadre_id = rng.choice(cadre_ids)
            source = _weighted(rng, sources)
            if name in ("党纪处分", "政务处分") and rng.random() < 0.5:
                opened = day - datetime.timedelta(days=rng.randrange(60, 180))
                if opened >= FIRST_DAY:
                    demo.add(cadre_id, "立案审查调查", "已结案", opened, "纪委监委")
            demo.add(cadre_id, name, subtype, day, source)


def _add_hot_units(demo: DemoRecords, unit_cadres: dict[int, list[int]], today: datetime.date,
                   quiet: set[int]) -> set[int]:
    """The records that give a few units their colour now; returns the cadres they concern."""
    rng = demo.rng
    eligible = sorted(unit for unit, cadres in unit_cadres.items() if len(cadres) in HOT_UNIT_SIZES)
    chosen = rng.sample(eligible, len(HOT_UNITS))
    concerned = set()
    for unit_id, hot in zip(chosen, HOT_UNITS, strict=True):
        cadres = [cadre for cadre in unit_cadres[unit_id] if cadre not in concerned]
        rng.shuffle(cadres)
        picked = iter(cadres)
        for records in hot.cadre_records:
            cadre_id = next(picked)
            concerned.add(cadre_id)
            for name, subtype, months_ago in records:
                day = add_months(today, -months_ago) - datetime.timedelta(days=rng.randrange(0, 20))
                source = "审计" if name == "审计问题" else ("组织部" if name in ("提醒谈话", "个人有关事项查核") else "纪委监委")
                demo.add(cadre_id, name, subtype, day, source)
        for _ in range(hot.cadres_with_one_point):
            cadre_id = next(picked)
            concerned.add(cadre_id)
            day = add_months(today, -rng.randrange(1, 10))
            demo.add(cadre_id, rng.choice(["提醒谈话", "请销假/出入境违规"]), "", day, "组织部")
    quiet.difference_update(concerned)
    return concerned


def _add_running_sanctions(demo: DemoRecords, quiet: list[int], today: datetime.date) -> None:
    for cadre_id, (name, subtype, months_ago) in zip(demo.rng.sample(quiet, len(RUNNING_SANCTIONS)),
                                                      RUNNING_SANCTIONS, strict=True):
        demo.add(cadre_id, name, subtype, add_months(today, -months_ago), "组织部" if name == "组织处理" else "纪委监委")


def load_supervision_demo(today: datetime.date | None = None) -> int:
    """Create the demo's records unless there are records already, then evaluate everyone; returns the
    number of records created."""
    today = today or timezone.localdate()
    created = 0
    if not Record.objects.exists():
        created = _create_records(today)
    evaluate_everyone(today)
    return created


def _ensure_default_record_types() -> None:
    """The default types come with a migration; a flushed database (a transactional test) has lost them."""
    if RecordType.objects.exists():
        return
    migration = importlib.import_module("supervision.migrations.0002_default_record_types")
    migration.add_default_record_types(django_apps, None)


def _create_records(today: datetime.date) -> int:
    _ensure_default_record_types()
    rng = random.Random(SEED)
    types = {(record_type.name, record_type.subtype): record_type for record_type in RecordType.objects.all()}
    entered_by = get_user_model().objects.filter(username=SUPERVISION_OFFICER).first()
    cadre_ids = list(Cadre.objects.order_by("pk").values_list("pk", flat=True))
    if not cadre_ids:
        return 0
    unit_cadres: dict[int, list[int]] = defaultdict(list)
    for cadre_id, unit_id in (Appointment.objects.active_on(today).order_by("unit_id", "cadre_id")
                              .values_list("cadre_id", "unit_id")):
        unit_cadres[unit_id].append(cadre_id)
    # A day more than a month before the window: records with points dated up to it count for nobody now.
    cutoff = add_months(window_start(today), -1)

    demo = DemoRecords(rng, types, entered_by)
    _add_background(demo, cadre_ids, today, cutoff)
    quiet = set(cadre_ids)
    _add_hot_units(demo, unit_cadres, today, quiet)
    _add_running_sanctions(demo, sorted(quiet), today)
    Record.objects.bulk_create(demo.records, batch_size=1000)
    follow_ups = [
        Record(cadre_id=record.cadre_id, record_type=types[("诫勉", "")], follows=record,
               date=min(add_months(day, 1), today), source=record.source, document_number=record.document_number,
               summary=follow_up_summary(record), entered_by=entered_by)
        for record, day in demo.follow_ups
    ]
    Record.objects.bulk_create(follow_ups, batch_size=1000)
    return len(demo.records) + len(follow_ups)
