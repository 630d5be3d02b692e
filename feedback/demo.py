"""The demo district's feedback for its latest year: the office's comments on a few units, rectification
items (one overdue, one done and closed, one under way), and one 骏马奖 and one 蜗牛奖.

Called after the assessment demo has computed its results. Running it again changes nothing: every
object is looked up by what identifies it before it is made. Deadlines are counted from today, so the
overdue item stays overdue whatever day the demo is loaded.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from assessment.models import Period, UnitResult
from cadres.models import Unit
from feedback.honours import award_give
from feedback.models import Award, AwardKind, FeedbackNote, RectificationItem, RectificationStatus
from feedback.notes import feedback_note_save
from feedback.rectification import rectification_close, rectification_create, rectification_report_progress

OFFICER = "kaohe"
UNIT_VIEWER = "danwei"  # of T01, 青石镇

DEMO_COMMENTS = {
    "T01": ("2024年度，你镇经济发展和生态建设成效较好，整体工作保持平稳。但党的建设、依法治理等方面仍有短板，"
            "部分指标得分低于赛道中位数。\n请对照反馈的短板和失分较多的指标，逐项制定整改措施，明确责任人和完成时限，"
            "并按期报送整改进展。"),
    "J02": ("你街道重点项目推进滞后，被区委督查室通报并扣分，拉低了年度总分。\n"
            "请举一反三，建立重点项目月调度机制，确保年底前完成序时进度。"),
    "T05": ("你镇辖区发生较大生产安全责任事故，按规定实行“一票否决”，年度考核定为第三等次。\n"
            "请深刻汲取教训，全面排查整治安全隐患，压紧压实安全生产责任。"),
}

# (unit, source, problem, requirement, deadline as days from today, what has happened to it)
DEMO_ITEMS = (
    ("T01", "feedback", "党建工作台账不完整，“三会一课”记录缺失较多",
     "补齐2024年度党建工作台账，建立“三会一课”月度检查制度", -20, "overdue"),
    ("T01", "half_year", "半年评估发现安全生产隐患排查记录不规范",
     "按区应急管理局模板规范隐患排查记录，并完成一次全面排查", -45, "closed"),
    ("J02", "feedback", "重点项目推进滞后，年度投资完成率偏低",
     "建立重点项目月调度机制，年底前完成年度投资计划", 60, "in_progress"),
    ("T05", "feedback", "安全生产责任落实不到位，发生较大生产安全责任事故",
     "开展安全生产专项整治，逐村逐企排查隐患并建立整改清单", 30, "not_started"),
)


def _latest_period(scheme_name: str) -> Period | None:
    return (Period.objects.filter(scheme__name=scheme_name, results__isnull=False)
            .select_related("scheme").order_by("-start_date").distinct().first())


def _items(period: Period, units: dict[str, Unit], officer, viewer) -> None:
    today = timezone.localdate()
    for code, source, problem, requirement, days, story in DEMO_ITEMS:
        unit = units[code]
        if RectificationItem.objects.filter(period=period, unit=unit, problem=problem).exists():
            continue
        item = rectification_create(period=period, unit=unit, source=source, problem=problem,
                                    requirement=requirement, deadline=today + datetime.timedelta(days=days),
                                    user=officer)
        if story == "overdue":
            rectification_report_progress(item, status=RectificationStatus.IN_PROGRESS, user=viewer,
                                          note="已补齐上半年台账，下半年台账正在整理。")
        elif story == "in_progress":
            rectification_report_progress(item, status=RectificationStatus.IN_PROGRESS, user=None,
                                          note="已建立项目调度台账，正在逐项推进。")
        elif story == "closed":
            rectification_report_progress(item, status=RectificationStatus.DONE, user=viewer,
                                          note="已按模板规范排查记录，完成全镇隐患排查，整改到位。")
            rectification_close(item, user=officer, note="经核查，整改到位，予以销号。")


def _awards(period: Period, officer) -> None:
    results = UnitResult.objects.filter(period=period, rank_change__isnull=False).select_related("unit")
    fastest = results.order_by("-rank_change", "unit__code").first()
    slowest = results.order_by("rank_change", "unit__code").first()
    for kind, result, citation in (
        (AwardKind.STEED, fastest, "年度考核较上年进位明显，各项工作争先进位，特授予骏马奖。"),
        (AwardKind.SNAIL, slowest, "年度考核较上年退位较多，工作推进缓慢，予以蜗牛奖警示，请对照反馈意见认真整改。"),
    ):
        if result is None or Award.objects.filter(period=period, kind=kind).exists():
            continue
        award_give(period=period, kind=kind, unit=result.unit, citation=citation, user=officer)


@transaction.atomic
def load_feedback_demo(*, scheme_name: str) -> None:
    """Comments, rectification items and awards in the latest computed period of the demo's scheme
    (the site's demo loader names it)."""
    period = _latest_period(scheme_name)
    if period is None:
        return
    User = get_user_model()
    officer = User.objects.filter(username=OFFICER).first()
    viewer = User.objects.filter(username=UNIT_VIEWER).first()
    codes = set(DEMO_COMMENTS) | {code for code, *_rest in DEMO_ITEMS}
    units = Unit.objects.in_bulk(list(codes), field_name="code")
    for code, comments in DEMO_COMMENTS.items():
        if not FeedbackNote.objects.filter(period=period, unit=units[code]).exists():
            feedback_note_save(period=period, unit=units[code], comments=comments, user=officer)
    _items(period, units, officer, viewer)
    _awards(period, officer)
