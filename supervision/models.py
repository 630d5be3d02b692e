"""One person, one file (SPEC §7): the types of supervision record, as data, and the records."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Clearance
from core.models import StoredDocument


class GradeEffect(models.TextChoices):
    """What a record does to the cadre's annual grade (SPEC §6), lightest first."""

    NONE = "", _("不影响")
    NOT_EXCELLENT = "not_excellent", _("当年不得评为优秀")
    UNDETERMINED = "undetermined", _("当年不定等次")
    UNDETERMINED_TWO_YEARS = "undetermined_two_years", _("当年及次年不定等次")
    INCOMPETENT = "incompetent", _("当年定为不称职")


# A record's classification (密级) uses the scale of the reader's clearance (supervision.clearance).
Sensitivity = Clearance


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
    default_sensitivity = models.PositiveSmallIntegerField(
        _("密级"), choices=Sensitivity.choices, default=Sensitivity.NORMAL,
        help_text=_("该类型每条记录至少的密级；单条记录可以调高"))
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
    # The record's own label; its type may classify it higher (effective_sensitivity).
    sensitivity = models.PositiveSmallIntegerField(_("密级"), choices=Sensitivity.choices, default=Sensitivity.NORMAL)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    # An inquiry answered with 诫勉 creates a linked admonishment record (SPEC §7).
    follows = models.ForeignKey("self", verbose_name=_("由此产生"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="consequences")
    import_batch = models.ForeignKey("RecordImportBatch", verbose_name=_("导入批次"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="records")

    class Meta:
        verbose_name = _("监督记录")
        verbose_name_plural = _("监督记录")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["cadre", "date"]), models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.record_type} {self.date:%Y-%m-%d}"

    @property
    def effective_sensitivity(self) -> int:
        return max(self.sensitivity, self.record_type.default_sensitivity)

    def get_effective_sensitivity_display(self) -> str:
        return Sensitivity(self.effective_sensitivity).label

    def describe(self) -> str:
        """The record as an officer cites it: type, date and document number. Citations travel into
        verdicts, alerts and exports read by officers of any clearance, so a core record is cited
        without its document number; the file shows it to those cleared."""
        if self.document_number and self.effective_sensitivity < Sensitivity.CORE:
            return f"{self.record_type}（{self.date:%Y-%m-%d}，{self.document_number}）"
        return f"{self.record_type}（{self.date:%Y-%m-%d}）"


class RecordVersion(models.Model):
    """A record as it was before an edit: the file keeps every earlier state."""

    record = models.ForeignKey(Record, verbose_name=_("监督记录"), on_delete=models.CASCADE, related_name="versions")
    snapshot = models.JSONField(_("修改前内容"))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("修改时间"), auto_now_add=True)
    reason = models.CharField(_("修改原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("监督记录历史版本")
        verbose_name_plural = _("监督记录历史版本")
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.record} @ {self.changed_at:%Y-%m-%d %H:%M}"


def attachment_path(instance: RecordAttachment, filename: str) -> str:
    # The stored name is not the uploaded one: names can carry personal data and path tricks.
    return f"supervision/attachments/{instance.record_id}/{instance.sha256[:16]}"


class RecordAttachment(StoredDocument):
    """A document behind a record."""

    record = models.ForeignKey(Record, verbose_name=_("监督记录"), on_delete=models.PROTECT,
                               related_name="attachments")
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)

    class Meta(StoredDocument.Meta):
        verbose_name = _("附件")
        verbose_name_plural = _("附件")


class ImportStatus(models.TextChoices):
    FAILED = "failed", _("有错误，未导入")
    COMMITTED = "committed", _("已导入")


class RecordImportBatch(models.Model):
    """One spreadsheet of supervision records (SPEC §9), stored all-or-nothing."""

    file = models.FileField(_("文件"), upload_to="supervision/imports/%Y/%m/", max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    status = models.CharField(_("状态"), max_length=16, choices=ImportStatus.choices)
    row_count = models.PositiveIntegerField(_("行数"), default=0)
    created_count = models.PositiveIntegerField(_("新增记录"), default=0)
    unchanged_count = models.PositiveIntegerField(_("已有记录"), default=0)
    problems = models.JSONField(_("问题"), default=list, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("导入人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("导入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("监督记录导入批次")
        verbose_name_plural = _("监督记录导入批次")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.original_name} {self.uploaded_at:%Y-%m-%d %H:%M}"


class RuleVersion(models.Model):
    """The thresholds of SPEC §7 from a date on. A change is a new version; alerts keep the one that raised them.

    ``type_points`` keeps the points of every record type as they were when the version was made
    ({record type id: points}), so a past alert can always be explained with the points it used."""

    valid_from = models.DateField(_("生效日期"))
    window_months = models.PositiveSmallIntegerField(_("积分周期（月）"), default=12)
    reminder_line = models.DecimalField(_("提醒线"), max_digits=5, decimal_places=1, default=Decimal(3))
    inquiry_line = models.DecimalField(_("函询线"), max_digits=5, decimal_places=1, default=Decimal(6))
    admonishment_line = models.DecimalField(_("诫勉线"), max_digits=5, decimal_places=1, default=Decimal(10))
    yellow_share = models.DecimalField(_("黄色预警比例"), max_digits=4, decimal_places=3, default=Decimal("0.10"))
    orange_share = models.DecimalField(_("橙色预警比例"), max_digits=4, decimal_places=3, default=Decimal("0.20"))
    red_share = models.DecimalField(_("红色预警比例"), max_digits=4, decimal_places=3, default=Decimal("0.30"))
    share_rule_min_cadres = models.PositiveSmallIntegerField(_("按比例定色的最少人数"), default=5)
    type_points = models.JSONField(_("各类型积分"), default=dict, blank=True)
    note = models.TextField(_("调整说明"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("调整人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("调整时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("预警规则版本")
        verbose_name_plural = _("预警规则版本")
        ordering = ["-valid_from", "-pk"]

    def __str__(self) -> str:
        return _("%(date)s 起施行的预警规则") % {"date": f"{self.valid_from:%Y-%m-%d}"}


class AlertStatus(models.TextChoices):
    OPEN = "open", _("待处置")
    HANDLED = "handled", _("已处置")
    CLOSED = "closed", _("已办结")


class Alert(models.Model):
    """A cadre reached a line (触线预警). Open until handled, then closed."""

    cadre = models.ForeignKey("cadres.Cadre", verbose_name=_("干部"), on_delete=models.PROTECT,
                              related_name="supervision_alerts")
    line = models.CharField(_("触及标准线"), max_length=16)  # supervision.points.Line
    points = models.DecimalField(_("积分"), max_digits=6, decimal_places=1)
    raised_on = models.DateField(_("触线日期"))
    raised_at = models.DateTimeField(_("预警时间"), auto_now_add=True)
    rule_version = models.ForeignKey(RuleVersion, verbose_name=_("规则版本"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="alerts")
    records = models.ManyToManyField(Record, verbose_name=_("引发预警的记录"), related_name="alerts", blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN,
                              db_index=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("办结人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("触线预警")
        verbose_name_plural = _("触线预警")
        ordering = ["-raised_on", "-pk"]
        indexes = [models.Index(fields=["cadre", "status"]), models.Index(fields=["status", "raised_on"])]

    def __str__(self) -> str:
        return f"{self.cadre} {self.line} {self.raised_on:%Y-%m-%d}"


class HandlingAction(models.TextChoices):
    TALK = "talk", _("谈心谈话")
    INQUIRY = "inquiry", _("函询")
    ADMONISHMENT = "admonishment", _("诫勉")
    NO_ACTION = "no_action", _("不予处理")


class AlertHandling(models.Model):
    """What an officer did about an alert; a no-action handling states why."""

    alert = models.ForeignKey(Alert, verbose_name=_("预警"), on_delete=models.PROTECT, related_name="handlings")
    action = models.CharField(_("处置方式"), max_length=16, choices=HandlingAction.choices)
    date = models.DateField(_("处置日期"))
    note = models.TextField(_("处置情况或理由"), blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("处置人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("预警处置")
        verbose_name_plural = _("预警处置")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.date:%Y-%m-%d}"


class CadrePointsState(models.Model):
    """A cadre's points and line as last evaluated (on save of a record, and every night)."""

    cadre = models.OneToOneField("cadres.Cadre", verbose_name=_("干部"), on_delete=models.CASCADE,
                                 related_name="points_state")
    points = models.DecimalField(_("积分"), max_digits=6, decimal_places=1, default=Decimal(0))
    line = models.CharField(_("标准线"), max_length=16, default="none", db_index=True)
    evaluated_on = models.DateField(_("评估日期"))

    class Meta:
        verbose_name = _("干部积分")
        verbose_name_plural = _("干部积分")

    def __str__(self) -> str:
        return f"{self.cadre} {self.points}"


class UnitWarningState(models.Model):
    """A unit's colour (红橙黄预警) on a day, with its reason; the latest day is the current warning."""

    unit = models.ForeignKey("cadres.Unit", verbose_name=_("单位"), on_delete=models.CASCADE,
                             related_name="warning_states")
    evaluated_on = models.DateField(_("评估日期"))
    level = models.CharField(_("预警等级"), max_length=16, default="none", db_index=True)  # points.WarningLevel
    cadres = models.PositiveIntegerField(_("在任干部"), default=0)
    cadres_with_points = models.PositiveIntegerField(_("有积分干部"), default=0)
    share = models.DecimalField(_("比例"), max_digits=5, decimal_places=4, default=Decimal(0))
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    rule_version = models.ForeignKey(RuleVersion, verbose_name=_("规则版本"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("单位预警")
        verbose_name_plural = _("单位预警")
        ordering = ["-evaluated_on", "unit"]
        constraints = [models.UniqueConstraint(fields=["unit", "evaluated_on"], name="one_warning_per_unit_and_day")]

    def __str__(self) -> str:
        return f"{self.unit} {self.level} {self.evaluated_on:%Y-%m-%d}"


class EfficiencyWarningKind(models.TextChoices):
    EARLY_SIGN = "early_sign", _("苗头预警")
    DEDUCTION = "deduction", _("扣分预警")
    JOINT = "joint", _("联合预警")


class EfficiencyWarning(models.Model):
    """效能预警 on a unit in an assessment period (SPEC §7)."""

    unit = models.ForeignKey("cadres.Unit", verbose_name=_("单位"), on_delete=models.CASCADE,
                             related_name="efficiency_warnings")
    period = models.ForeignKey("assessment.Period", verbose_name=_("考核期"), on_delete=models.CASCADE,
                               related_name="efficiency_warnings")
    kind = models.CharField(_("类型"), max_length=16, choices=EfficiencyWarningKind.choices)
    reason = models.CharField(_("原因"), max_length=500)
    departments = models.JSONField(_("提出部门"), default=list, blank=True)
    raised_at = models.DateTimeField(_("预警时间"), auto_now=True)

    class Meta:
        verbose_name = _("效能预警")
        verbose_name_plural = _("效能预警")
        ordering = ["period", "unit", "kind"]
        constraints = [models.UniqueConstraint(fields=["unit", "period", "kind"],
                                               name="one_efficiency_warning_per_kind")]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_kind_display()}"


class MandatoryCheckKind(models.TextChoices):
    """凡提四必 (SPEC §7)."""

    FILE_REVIEWED = "file_reviewed", _("档案必审")
    PERSONAL_MATTERS_VERIFIED = "personal_matters_verified", _("个人有关事项报告必核")
    DISCIPLINE_OPINION = "discipline_opinion", _("纪检监察机关意见必听")
    PETITIONS_INVESTIGATED = "petitions_investigated", _("线索具体的信访举报必查")


class MandatoryCheck(models.Model):
    """One of the four checks done for a cadre before a promotion."""

    cadre = models.ForeignKey("cadres.Cadre", verbose_name=_("干部"), on_delete=models.PROTECT,
                              related_name="mandatory_checks")
    kind = models.CharField(_("事项"), max_length=32, choices=MandatoryCheckKind.choices)
    done_on = models.DateField(_("完成日期"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("凡提四必")
        verbose_name_plural = _("凡提四必")
        ordering = ["-done_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.cadre} {self.get_kind_display()}"


class ReportKind(models.TextChoices):
    MONTHLY = "monthly", _("月度简报")
    QUARTERLY = "quarterly", _("季度分析")
    ANNUAL = "annual", _("年度数据报告")


class SupervisionReport(models.Model):
    """A periodic analysis (SPEC §7), generated by the scheduler and kept as it was."""

    kind = models.CharField(_("类型"), max_length=16, choices=ReportKind.choices)
    period_start = models.DateField(_("起始日期"))
    period_end = models.DateField(_("截止日期"))
    data = models.JSONField(_("内容"), default=dict)
    generated_at = models.DateTimeField(_("生成时间"), auto_now=True)

    class Meta:
        verbose_name = _("监督分析报告")
        verbose_name_plural = _("监督分析报告")
        ordering = ["-period_end", "kind"]
        constraints = [models.UniqueConstraint(fields=["kind", "period_start"], name="one_report_per_period")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"
