"""Periods and the inputs an officer records for them besides statistics (SPEC §3, §5)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assessment.models.schemes import Component, Scheme, VetoItem


class PeriodType(models.TextChoices):
    YEAR = "year", _("年度")
    HALF = "half", _("半年")
    QUARTER = "quarter", _("季度")
    MONTH = "month", _("月度")


class PeriodState(models.TextChoices):
    OPEN = "open", _("填报中")
    LOCKED = "locked", _("已锁定")
    PUBLISHED = "published", _("已发布")


class Period(models.Model):
    scheme = models.ForeignKey(Scheme, verbose_name=_("考核方案"), on_delete=models.CASCADE, related_name="periods")
    code = models.CharField(_("周期代码"), max_length=16, help_text=_("例如 2024、2024H1、2024Q3、2024-07"))
    period_type = models.CharField(_("周期类型"), max_length=16, choices=PeriodType.choices, default=PeriodType.YEAR)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    state = models.CharField(_("状态"), max_length=16, choices=PeriodState.choices, default=PeriodState.OPEN)
    # Every change to an input raises inputs_version; results carry the version they were computed
    # from, so "results_version < inputs_version" means a recompute is pending (正在计算).
    inputs_version = models.PositiveIntegerField(_("输入版本"), default=0, editable=False)
    results_version = models.PositiveIntegerField(_("结果版本"), default=0, editable=False)
    recompute_queued = models.BooleanField(_("已排队重算"), default=False, editable=False)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True, editable=False)
    # Who froze and who released the results; each change of state is also in the audit log, and
    # an unlock, which needs a reason, lives only there.
    locked_at = models.DateTimeField(_("锁定时间"), null=True, blank=True, editable=False)
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("锁定人"), null=True, blank=True,
                                  editable=False, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True,
                                     editable=False, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("考核周期")
        verbose_name_plural = _("考核周期")
        ordering = ["scheme", "-start_date", "code"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="unique_period_code_per_scheme",
                                    violation_error_message=_("同一方案中周期代码不能重复")),
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")),
                                   name="period_end_not_before_start",
                                   violation_error_message=_("结束日期不能早于开始日期")),
        ]

    def __str__(self) -> str:
        return f"{self.scheme.name} {self.code}"

    def get_absolute_url(self) -> str:
        return reverse("assessment:period_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state == PeriodState.OPEN

    @property
    def recompute_pending(self) -> bool:
        return self.results_version < self.inputs_version

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("结束日期不能早于开始日期")})


class ComponentScore(models.Model):
    """A 0–100 score of a non-performance component (民主测评, 民意调查 …) for one unit."""

    period = models.ForeignKey(Period, verbose_name=_("考核周期"), on_delete=models.CASCADE,
                               related_name="component_scores")
    unit = models.ForeignKey("cadres.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    component = models.ForeignKey(Component, verbose_name=_("板块"), on_delete=models.CASCADE, related_name="scores")
    score = models.DecimalField(_("得分"), max_digits=9, decimal_places=4)
    batch = models.ForeignKey("indicators.ImportBatch", verbose_name=_("导入批次"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("板块得分")
        verbose_name_plural = _("板块得分")
        constraints = [
            models.UniqueConstraint(fields=["period", "unit", "component"], name="one_component_score_per_unit"),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=100), name="component_score_0_to_100",
                                   violation_error_message=_("板块得分应在0到100之间")),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.component.name} {self.score}"


class Approval(models.Model):
    """Who approved an input that changes a unit's result, and when; unapproved inputs do not count."""

    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


class Adjustment(Approval):
    """加扣分: signed points with reason and evidence."""

    period = models.ForeignKey(Period, verbose_name=_("考核周期"), on_delete=models.CASCADE, related_name="adjustments")
    unit = models.ForeignKey("cadres.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("分值"), max_digits=6, decimal_places=2, help_text=_("加分为正，扣分为负"))
    category = models.CharField(_("类别"), max_length=50)
    reason = models.TextField(_("事由"))
    evidence = models.CharField(_("依据材料"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("加扣分")
        verbose_name_plural = _("加扣分")
        ordering = ["period", "unit", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(points=0), name="adjustment_points_not_zero",
                                              violation_error_message=_("加扣分分值不能为0"))]

    def __str__(self) -> str:
        return f"{self.unit} {self.points:+}"


class VerdictKind(models.TextChoices):
    VETO = "veto", _("一票否决")
    AFFIRMATION = "affirmation", _("一票肯定")


class Verdict(Approval):
    """一票否决 (forces the third tier) or 一票肯定 (forces the first tier unless vetoed)."""

    period = models.ForeignKey(Period, verbose_name=_("考核周期"), on_delete=models.CASCADE, related_name="verdicts")
    unit = models.ForeignKey("cadres.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=16, choices=VerdictKind.choices)
    veto_item = models.ForeignKey(VetoItem, verbose_name=_("否决事项"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="verdicts")
    reason = models.TextField(_("事由"))

    class Meta:
        verbose_name = _("一票否决/肯定")
        verbose_name_plural = _("一票否决/肯定")
        ordering = ["period", "unit", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(kind="veto") | Q(veto_item__isnull=False),
                                   name="veto_names_its_item",
                                   violation_error_message=_("一票否决必须选择否决事项")),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_kind_display()}"

    def clean(self) -> None:
        if self.kind == VerdictKind.VETO and not self.veto_item_id:
            raise ValidationError({"veto_item": _("一票否决必须选择否决事项")})
