"""Stored results of a period, written only by the recompute service (SPEC §4–§6)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessment.models.periods import Period


class ScoreStatus(models.TextChoices):
    SCORED = "scored", _("已计分")
    MISSING = "missing", _("缺失")
    NOT_APPLICABLE = "not_applicable", _("不适用")


class IndicatorScore(models.Model):
    """One unit's score on one indicator. A province period holds over 100,000 of these and they
    are rewritten on every recompute, so the table carries no foreign-key constraints in the
    database (each would be checked row by row at commit) and one plain index on (period, unit).
    A unique index would make every insert check the rows just deleted in the same transaction,
    which triples the time to store a period; one row per cell is instead guaranteed by the
    recompute service, the table's only writer, which replaces a period's rows as a whole."""

    period = models.ForeignKey(Period, verbose_name=_("考核周期"), on_delete=models.CASCADE,
                               related_name="indicator_scores", db_constraint=False, db_index=False)
    unit = models.ForeignKey("cadres.Unit", verbose_name=_("单位"), on_delete=models.CASCADE, related_name="+",
                             db_constraint=False, db_index=False)
    indicator = models.ForeignKey("assessment.Indicator", verbose_name=_("指标"), on_delete=models.CASCADE,
                                  related_name="scores", db_constraint=False, db_index=False)
    track = models.ForeignKey("assessment.Track", verbose_name=_("赛道"), on_delete=models.CASCADE, related_name="+",
                              db_constraint=False, db_index=False)
    value = models.FloatField(_("原始值"), null=True)
    scored_value = models.FloatField(_("计分值"), null=True)
    target_used = models.FloatField(_("目标值"), null=True)
    weight = models.FloatField(_("分值"), null=True)
    score = models.FloatField(_("得分"), null=True)
    status = models.CharField(_("状态"), max_length=16, choices=ScoreStatus.choices)

    class Meta:
        verbose_name = _("指标得分")
        verbose_name_plural = _("指标得分")
        indexes = [models.Index(fields=["period", "unit"], name="indicator_scores_by_unit")]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.indicator_id}: {self.score}"


class UnitResult(models.Model):
    period = models.ForeignKey(Period, verbose_name=_("考核周期"), on_delete=models.CASCADE, related_name="results")
    unit = models.ForeignKey("cadres.Unit", verbose_name=_("单位"), on_delete=models.CASCADE, related_name="results")
    track = models.ForeignKey("assessment.Track", verbose_name=_("赛道"), on_delete=models.CASCADE, related_name="+")
    performance = models.FloatField(_("绩效得分"), null=True)
    # {component id: score}; the performance component is included. A JSON map keeps the row one
    # per unit whatever the number of components a scheme defines.
    component_scores = models.JSONField(_("各板块得分"), default=dict)
    bonus = models.FloatField(_("加分"), default=0)
    penalty = models.FloatField(_("扣分"), default=0)
    total = models.FloatField(_("总分"), null=True)
    rank = models.PositiveIntegerField(_("名次"), null=True)
    tier = models.PositiveSmallIntegerField(_("等次"), null=True)
    rank_change = models.IntegerField(_("进位"), null=True)
    missing_count = models.PositiveIntegerField(_("缺失项数"), default=0)
    vetoed = models.BooleanField(_("一票否决"), default=False)
    affirmed = models.BooleanField(_("一票肯定"), default=False)
    computed_at = models.DateTimeField(_("计算时间"))
    inputs_version = models.PositiveIntegerField(_("输入版本"))

    class Meta:
        verbose_name = _("单位考核结果")
        verbose_name_plural = _("单位考核结果")
        ordering = ["period", "track", "rank", "unit"]
        constraints = [models.UniqueConstraint(fields=["period", "unit"], name="one_result_per_unit_and_period")]

    def __str__(self) -> str:
        return f"{self.unit_id} #{self.rank}"


class DimensionKind(models.TextChoices):
    STRENGTH = "strength", _("长项")
    WEAKNESS = "weakness", _("短板")
    NEITHER = "", _("一般")


class DimensionResult(models.Model):
    # Derived rows rewritten as a whole by the recompute service, like IndicatorScore: no database
    # constraint checks on the keys (thousands of rows per province recompute, checked at commit), and
    # no index but the unique one, which every reader's query (by period) uses.
    period = models.ForeignKey(Period, verbose_name=_("考核周期"), on_delete=models.CASCADE,
                               related_name="dimension_results", db_constraint=False, db_index=False)
    unit = models.ForeignKey("cadres.Unit", verbose_name=_("单位"), on_delete=models.CASCADE, related_name="+",
                             db_constraint=False, db_index=False)
    dimension = models.ForeignKey("assessment.Dimension", verbose_name=_("维度"), on_delete=models.CASCADE,
                                  related_name="+", db_constraint=False, db_index=False)
    score = models.FloatField(_("得分"))
    weight = models.FloatField(_("分值"))
    rate = models.FloatField(_("得分率"), null=True)
    track_median = models.FloatField(_("赛道中位数"), null=True)
    kind = models.CharField(_("长短板"), max_length=16, choices=DimensionKind.choices, blank=True)

    class Meta:
        verbose_name = _("维度得分率")
        verbose_name_plural = _("维度得分率")
        constraints = [models.UniqueConstraint(fields=["period", "unit", "dimension"], name="one_rate_per_dimension")]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.dimension_id}: {self.rate}"


class Grade(models.TextChoices):
    EXCELLENT = "优秀", _("优秀")
    COMPETENT = "称职", _("称职")
    BASICALLY_COMPETENT = "基本称职", _("基本称职")
    INCOMPETENT = "不称职", _("不称职")
    UNDETERMINED = "不定等次", _("不定等次")


class CadreGrade(models.Model):
    """A cadre's annual grade (年度考核等次, SPEC §6), entered by an officer per unit and year."""

    cadre = models.ForeignKey("cadres.Cadre", verbose_name=_("干部"), on_delete=models.PROTECT, related_name="grades")
    unit = models.ForeignKey("cadres.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    grade = models.CharField(_("等次"), max_length=8, choices=Grade.choices)
    comment = models.TextField(_("评语"), blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True,
                                   on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("录入时间"), auto_now=True)

    class Meta:
        verbose_name = _("年度考核等次")
        verbose_name_plural = _("年度考核等次")
        ordering = ["-year", "unit", "cadre"]
        constraints = [models.UniqueConstraint(fields=["cadre", "year"], name="one_grade_per_cadre_and_year",
                                               violation_error_message=_("该干部本年度已有考核等次"))]

    def __str__(self) -> str:
        return f"{self.cadre} {self.year} {self.grade}"
