"""One person, one file (SPEC §7): the types of supervision record, as data, and the records."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class GradeEffect(models.TextChoices):
    """What a record does to the cadre's annual grade (SPEC §6), lightest first."""

    NONE = "", _("不影响")
    NOT_EXCELLENT = "not_excellent", _("当年不得评为优秀")
    UNDETERMINED = "undetermined", _("当年不定等次")
    UNDETERMINED_TWO_YEARS = "undetermined_two_years", _("当年及次年不定等次")
    INCOMPETENT = "incompetent", _("当年定为不称职")


class RecordType(models.Model):
    """A record type, or one grade/outcome of it (细类): 党纪处分·警告, 函询·采信了结, 信访举报·属实.

    Types with outcomes (函询, 立案审查调查) have a row with a blank subtype for a record that has no
    outcome yet; those rows block promotion while the record stays without an outcome."""

    name = models.CharField(_("类型"), max_length=40)
    subtype = models.CharField(_("细类"), max_length=40, blank=True,
                               help_text=_("类型的档次或办理结果，如 警告、属实、采信了结；无细类的留空"))
    points = models.DecimalField(_("积分"), max_digits=5, decimal_places=1, default=Decimal("0"),
                                 validators=[MinValueValidator(0)])
    impact_months = models.PositiveSmallIntegerField(
        _("影响期（月）"), null=True, blank=True, help_text=_("影响期内不得提拔；不影响的留空"),
    )
    blocks_while_open = models.BooleanField(
        _("未了结期间影响提拔"), default=False, help_text=_("如尚未办结的函询、立案审查调查"),
    )
    has_outcomes = models.BooleanField(
        _("有办理结果"), default=False, help_text=_("细类为空表示尚无办理结果（函询、立案审查调查）"),
    )
    grade_effect = models.CharField(_("对年度考核等次的影响"), max_length=32, choices=GradeEffect.choices,
                                    blank=True, default=GradeEffect.NONE)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("监督记录类型")
        verbose_name_plural = _("监督记录类型")
        ordering = ["sort_order", "name", "subtype"]
        constraints = [models.UniqueConstraint(fields=["name", "subtype"], name="unique_record_type_and_subtype",
                                               violation_error_message=_("该类型和细类已存在"))]

    def __str__(self) -> str:
        return f"{self.name}·{self.subtype}" if self.subtype else self.name


class Record(models.Model):
    """A supervision record (监督记录) in a cadre's file; dated by the decision."""

    cadre = models.ForeignKey("cadres.Cadre", verbose_name=_("干部"), on_delete=models.PROTECT,
                              related_name="supervision_records")
    record_type = models.ForeignKey(RecordType, verbose_name=_("类型"), on_delete=models.PROTECT,
                                    related_name="records")
    date = models.DateField(_("日期"), help_text=_("作出决定或登记的日期"))
    source = models.CharField(_("来源部门"), max_length=40, help_text=_("如 纪委监委、公安、审计、信访、组织部"))
    document_number = models.CharField(_("文号"), max_length=100, blank=True)
    summary = models.TextField(_("摘要"), blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("监督记录")
        verbose_name_plural = _("监督记录")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["cadre", "date"]), models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.record_type} {self.date:%Y-%m-%d}"

    def describe(self) -> str:
        """The record as an officer cites it: type, date and document number."""
        if self.document_number:
            return f"{self.record_type}（{self.date:%Y-%m-%d}，{self.document_number}）"
        return f"{self.record_type}（{self.date:%Y-%m-%d}）"
