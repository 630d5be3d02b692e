"""Feedback to assessed units after a period (反馈单), the rectification items raised with it (整改),
and the honours of a period (光荣榜, 骏马奖, 蜗牛奖).

Results themselves live in ``assessment``; what is here is what the assessment office writes about
them and what the units do in answer.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import StoredDocument


class FeedbackNote(models.Model):
    """The assessment officer's written comments (考核办意见) on one unit's result in one period."""

    period = models.ForeignKey("assessment.Period", verbose_name=_("考核周期"), on_delete=models.CASCADE,
                               related_name="feedback_notes")
    unit = models.ForeignKey("cadres.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    comments = models.TextField(_("反馈意见"))
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("撰写人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(_("撰写时间"), auto_now=True)

    class Meta:
        verbose_name = _("反馈意见")
        verbose_name_plural = _("反馈意见")
        ordering = ["period", "unit"]
        constraints = [models.UniqueConstraint(fields=["period", "unit"], name="one_feedback_note_per_unit",
                                               violation_error_message=_("该单位本周期已有反馈意见"))]

    def __str__(self) -> str:
        return f"{self.unit} · {self.period}"


class RectificationSource(models.TextChoices):
    HALF_YEAR = "half_year", _("半年评估")
    FEEDBACK = "feedback", _("考核反馈")


class RectificationStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未开始")
    IN_PROGRESS = "in_progress", _("整改中")
    DONE = "done", _("已完成")
    CLOSED = "closed", _("已销号")


# An item is finished once the unit reports it done; it can then no longer be overdue, whether or not
# the office has confirmed it yet (the delay would be the office's, not the unit's).
FINISHED_STATUSES = (RectificationStatus.DONE, RectificationStatus.CLOSED)


class RectificationItem(models.Model):
    """A problem a unit must put right by a deadline (整改事项), raised at the half-year evaluation or
    in the period's feedback."""

    period = models.ForeignKey("assessment.Period", verbose_name=_("考核周期"), on_delete=models.CASCADE,
                               related_name="rectification_items")
    unit = models.ForeignKey("cadres.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("来源"), max_length=16, choices=RectificationSource.choices,
                              default=RectificationSource.FEEDBACK)
    problem = models.TextField(_("存在问题"))
    requirement = models.TextField(_("整改要求"))
    deadline = models.DateField(_("整改期限"))
    status = models.CharField(_("状态"), max_length=16, choices=RectificationStatus.choices,
                              default=RectificationStatus.NOT_STARTED)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提出人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    finished_on = models.DateField(_("完成日期"), null=True, blank=True,
                                   help_text=_("单位报告整改完成的日期"))
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("销号人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        ordering = ["deadline", "unit", "pk"]
        indexes = [models.Index(fields=["status", "deadline"], name="rectification_by_status")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.problem[:30]}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES


class RectificationUpdate(models.Model):
    """One step in an item's history: the unit's progress report, or the office's 销号 or return."""

    class Kind(models.TextChoices):
        PROGRESS = "progress", _("单位报告进展")
        CLOSED = "closed", _("考核办销号")
        RETURNED = "returned", _("考核办退回")

    item = models.ForeignKey(RectificationItem, verbose_name=_("整改事项"), on_delete=models.CASCADE,
                             related_name="updates")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=16, choices=RectificationStatus.choices)
    note = models.TextField(_("说明"))
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("填报人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(_("填报时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("整改进展")
        verbose_name_plural = _("整改进展")
        ordering = ["item", "written_at", "pk"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.get_kind_display()} {self.get_status_display()}"


def evidence_path(instance: RectificationEvidence, filename: str) -> str:
    # The stored name is not the uploaded one: names can carry personal data and path tricks.
    return f"feedback/evidence/{instance.item_id}/{instance.sha256[:16]}"


class RectificationEvidence(StoredDocument):
    """A document a unit sends with its progress (整改佐证材料)."""

    item = models.ForeignKey(RectificationItem, verbose_name=_("整改事项"), on_delete=models.PROTECT,
                             related_name="evidence")
    update = models.ForeignKey(RectificationUpdate, verbose_name=_("整改进展"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="evidence")
    file = models.FileField(_("文件"), upload_to=evidence_path, max_length=200)

    class Meta(StoredDocument.Meta):
        verbose_name = _("整改佐证材料")
        verbose_name_plural = _("整改佐证材料")


class AwardKind(models.TextChoices):
    STEED = "steed", _("骏马奖")
    SNAIL = "snail", _("蜗牛奖")


class Award(models.Model):
    """骏马奖 (for the fastest progress) or 蜗牛奖 (for the slowest), given to a unit or a cadre."""

    period = models.ForeignKey("assessment.Period", verbose_name=_("考核周期"), on_delete=models.CASCADE,
                               related_name="awards")
    kind = models.CharField(_("奖项"), max_length=16, choices=AwardKind.choices)
    unit = models.ForeignKey("cadres.Unit", verbose_name=_("单位"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    cadre = models.ForeignKey("cadres.Cadre", verbose_name=_("干部"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    citation = models.TextField(_("评语"))
    awarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("评定人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    awarded_at = models.DateTimeField(_("评定时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("骏马奖/蜗牛奖")
        verbose_name_plural = _("骏马奖/蜗牛奖")
        ordering = ["period", "kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(unit__isnull=False) & Q(cadre__isnull=True)) | (Q(unit__isnull=True)
                                                                             & Q(cadre__isnull=False)),
                name="award_goes_to_a_unit_or_a_cadre",
                violation_error_message=_("奖项授予一个单位或一名干部，二者选其一")),
            models.UniqueConstraint(fields=["period", "kind", "unit"], condition=Q(unit__isnull=False),
                                    name="one_award_of_a_kind_per_unit",
                                    violation_error_message=_("该单位本周期已获此奖项")),
            models.UniqueConstraint(fields=["period", "kind", "cadre"], condition=Q(cadre__isnull=False),
                                    name="one_award_of_a_kind_per_cadre",
                                    violation_error_message=_("该干部本周期已获此奖项")),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.recipient_name}"

    @property
    def recipient_name(self) -> str:
        if self.unit_id:
            return self.unit.name
        return self.cadre.name if self.cadre_id else ""

    def clean(self) -> None:
        if bool(self.unit_id) == bool(self.cadre_id):
            raise ValidationError(_("奖项授予一个单位或一名干部，二者选其一"))


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


def batch_path(instance: FeedbackBatch, filename: str) -> str:
    return f"feedback/batches/{instance.period_id}/{instance.pk}.zip"


class FeedbackBatch(models.Model):
    """One run that writes every unit's feedback workbook of a period into one zip (private storage)."""

    period = models.ForeignKey("assessment.Period", verbose_name=_("考核周期"), on_delete=models.CASCADE,
                               related_name="feedback_batches")
    status = models.CharField(_("状态"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    unit_count = models.PositiveIntegerField(_("单位数"), default=0)
    file = models.FileField(_("文件"), upload_to=batch_path, max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("大小（字节）"), default=0)
    error = models.TextField(_("错误"), blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("反馈单批量生成")
        verbose_name_plural = _("反馈单批量生成")
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.period} #{self.pk}"

    @property
    def is_working(self) -> bool:
        return self.status in (BatchStatus.QUEUED, BatchStatus.RUNNING)
