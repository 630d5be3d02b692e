"""The scheme's parts: dimensions, indicators, their weights per track and per unit, the cadres they are
attributed to, and the raw statistics they are scored from (SPEC §3–§4).

These models were the indicators app's until the upload workflow and the scheme were told apart; their
tables keep the names they had (``db_table``), so the rows, the statement-level reference triggers
(indicators migrations 0004 and 0006) and every backup stay valid.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Dimension(models.Model):
    """考核维度: a tree that groups a scheme's indicators."""

    scheme = models.ForeignKey("assessment.Scheme", verbose_name=_("考核方案"), on_delete=models.CASCADE,
                               related_name="dimensions")
    name = models.CharField(_("维度名称"), max_length=50)
    parent = models.ForeignKey("self", verbose_name=_("上级维度"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="children")
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        db_table = "indicators_dimension"
        verbose_name = _("考核维度")
        verbose_name_plural = _("考核维度")
        ordering = ["scheme", "sort_order", "pk"]
        constraints = [models.UniqueConstraint(fields=["scheme", "name"], name="unique_dimension_name_per_scheme",
                                               violation_error_message=_("同一方案中维度名称不能重复"))]

    def __str__(self) -> str:
        return self.name


class Direction(models.TextChoices):
    HIGHER = "higher", _("正向")
    LOWER = "lower", _("逆向")


class Method(models.TextChoices):
    EFFICACY = "efficacy", _("功效系数")
    TARGET = "target", _("目标完成率")
    RANK = "rank", _("排名")
    THRESHOLD = "threshold", _("达标")
    DIRECT = "direct", _("直接赋分")


BASE_ATTRIBUTE_CHOICES = [
    ("population", _("人口")), ("area_km2", _("面积")), ("gdp", _("地区生产总值")), ("fiscal_revenue", _("财政收入")),
]


class Indicator(models.Model):
    scheme = models.ForeignKey("assessment.Scheme", verbose_name=_("考核方案"), on_delete=models.CASCADE,
                               related_name="indicators")
    code = models.CharField(_("指标代码"), max_length=32)
    name = models.CharField(_("指标名称"), max_length=200)
    # RESTRICT, not PROTECT: a dimension in use cannot be deleted alone, but deleting a whole scheme
    # takes its dimensions and indicators together.
    dimension = models.ForeignKey(Dimension, verbose_name=_("维度"), on_delete=models.RESTRICT,
                                  related_name="indicators")
    measure = models.CharField(_("计量单位"), max_length=30, blank=True)
    direction = models.CharField(_("方向"), max_length=8, choices=Direction.choices, default=Direction.HIGHER)
    method = models.CharField(_("评分方法"), max_length=16, choices=Method.choices, default=Method.EFFICACY)
    target = models.DecimalField(_("目标值"), max_digits=20, decimal_places=6, null=True, blank=True)
    rank_step = models.DecimalField(_("排名递减分率"), max_digits=5, decimal_places=4, default=Decimal("0.05"),
                                    validators=[MinValueValidator(0), MaxValueValidator(1)])
    rank_floor = models.DecimalField(_("排名最低分率"), max_digits=5, decimal_places=4, default=Decimal("0.6"),
                                     validators=[MinValueValidator(0), MaxValueValidator(1)])
    provider = models.ForeignKey("cadres.Unit", verbose_name=_("数据来源"), on_delete=models.PROTECT,
                                 related_name="provided_indicators")
    per_capita_base = models.CharField(_("人均基数"), max_length=32, choices=BASE_ATTRIBUTE_CHOICES, blank=True)
    may_be_negative = models.BooleanField(_("可为负数"), default=False)
    criteria = models.TextField(_("评分标准"), blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        db_table = "indicators_indicator"
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ["scheme", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="unique_indicator_code_per_scheme",
                                    violation_error_message=_("同一方案中指标代码不能重复")),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        if self.method == Method.TARGET and self.direction == Direction.HIGHER and self.target == 0:
            raise ValidationError({"target": _("正向指标的目标值不能为0")})
        if self.dimension_id and self.scheme_id and self.dimension.scheme_id != self.scheme_id:
            raise ValidationError({"dimension": _("维度不属于该考核方案")})


class Weight(models.Model):
    """分值: the points an indicator carries in one track. A track's weights sum to 100."""

    indicator = models.ForeignKey(Indicator, verbose_name=_("指标"), on_delete=models.CASCADE, related_name="weights")
    track = models.ForeignKey("assessment.Track", verbose_name=_("赛道"), on_delete=models.CASCADE,
                              related_name="weights")
    weight = models.DecimalField(_("分值"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)])

    class Meta:
        db_table = "indicators_weight"
        verbose_name = _("指标分值")
        verbose_name_plural = _("指标分值")
        constraints = [models.UniqueConstraint(fields=["indicator", "track"], name="one_weight_per_track")]

    def __str__(self) -> str:
        return f"{self.indicator.code}@{self.track.code}: {self.weight}"


class WeightOverride(models.Model):
    """一单位一策: a unit's own weights, replacing its track's; they too sum to 100."""

    indicator = models.ForeignKey(Indicator, verbose_name=_("指标"), on_delete=models.CASCADE,
                                  related_name="weight_overrides")
    unit = models.ForeignKey("cadres.Unit", verbose_name=_("单位"), on_delete=models.CASCADE, related_name="+")
    weight = models.DecimalField(_("分值"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)])

    class Meta:
        db_table = "indicators_weightoverride"
        verbose_name = _("单位专属分值")
        verbose_name_plural = _("单位专属分值（一单位一策）")
        constraints = [models.UniqueConstraint(fields=["indicator", "unit"], name="one_override_per_unit")]

    def __str__(self) -> str:
        return f"{self.indicator.code}@{self.unit_id}: {self.weight}"


class Responsibility(models.Model):
    """实绩到人: the cadre responsible (分管领导) for an indicator in a unit."""

    indicator = models.ForeignKey(Indicator, verbose_name=_("指标"), on_delete=models.CASCADE,
                                  related_name="responsibilities")
    unit = models.ForeignKey("cadres.Unit", verbose_name=_("单位"), on_delete=models.CASCADE, related_name="+")
    cadre = models.ForeignKey("cadres.Cadre", verbose_name=_("分管领导"), on_delete=models.PROTECT,
                              related_name="responsibilities")

    class Meta:
        db_table = "indicators_responsibility"
        verbose_name = _("指标责任人")
        verbose_name_plural = _("指标责任人")
        constraints = [models.UniqueConstraint(fields=["indicator", "unit"], name="one_responsible_cadre")]

    def __str__(self) -> str:
        return f"{self.indicator.code}@{self.unit_id}: {self.cadre}"


class Statistic(models.Model):
    """The raw value a department reported for one unit, indicator and period."""

    # The three references are checked by the database once per statement, not once per row: PostgreSQL's
    # own foreign keys fire a trigger for each of the 120,000 rows a province upload writes (1.5 s at
    # commit), so on PostgreSQL statement-level triggers take their place (migration 0004).
    # The only index besides the primary key is the unique constraint's (period, unit, indicator), which
    # serves every query the product makes (they all name the period). Each further index costs a province
    # upload about 0.18 s of its 120,000 inserts; the lookups by unit, indicator or batch alone that they
    # would serve happen when a unit, an indicator or a batch is deleted, rarely, and scan the table.
    period = models.ForeignKey("assessment.Period", verbose_name=_("考核周期"), on_delete=models.CASCADE,
                               related_name="statistics", db_constraint=False, db_index=False)
    unit = models.ForeignKey("cadres.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+",
                             db_constraint=False, db_index=False)
    indicator = models.ForeignKey(Indicator, verbose_name=_("指标"), on_delete=models.CASCADE,
                                  related_name="statistics", db_constraint=False, db_index=False)
    value = models.DecimalField(_("数值"), max_digits=24, decimal_places=8, null=True, blank=True)
    not_applicable = models.BooleanField(_("不适用"), default=False)
    target = models.DecimalField(_("单位目标值"), max_digits=24, decimal_places=8, null=True, blank=True)
    # No database constraint: it only records which upload wrote the value, and checking it on each of
    # the 120,000 rows a province upload writes would add seconds to the commit. Batches are never deleted.
    batch = models.ForeignKey("indicators.ImportBatch", verbose_name=_("导入批次"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+", db_constraint=False, db_index=False,
                              help_text=_("写入当前数值的那次导入；在后台修改的为空"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        db_table = "indicators_statistic"
        verbose_name = _("统计数据")
        verbose_name_plural = _("统计数据")
        constraints = [
            models.UniqueConstraint(fields=["period", "unit", "indicator"], name="one_statistic_per_cell"),
            models.CheckConstraint(condition=Q(not_applicable=False) | Q(value__isnull=True),
                                   name="not_applicable_has_no_value",
                                   violation_error_message=_("标为不适用的单元格不能有数值")),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.indicator_id}: {'不适用' if self.not_applicable else self.value}"
