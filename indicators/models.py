"""The departments' uploads: each file and what became of it, and the values an upload replaced (SPEC §9).

The statistics themselves, with the scheme's dimensions, indicators and weights, are the assessment app's
(``assessment.models.scheme_parts``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    STATISTICS = "statistics", _("统计数据")
    COMPONENTS = "components", _("板块得分")


class ImportMode(models.TextChoices):
    MERGE = "merge", _("新增和更新（空白单元格保留原值）")
    REPLACE = "replace", _("整体替换（空白单元格清除原值）")


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("正在校验")
    FAILED = "failed", _("校验未通过")
    PREVIEWED = "previewed", _("待确认")
    COMMITTED = "committed", _("已导入")
    ROLLED_BACK = "rolled_back", _("已撤销")


def _upload_path(batch: ImportBatch, filename: str) -> str:
    return f"imports/{batch.kind}/{batch.period_id}/{filename}"


class ImportBatch(models.Model):
    """One uploaded file and what became of it. Kept for good, with the original file and its hash, so
    every stored value can be traced to the upload that wrote it and an upload can be rolled back."""

    kind = models.CharField(_("类别"), max_length=16, choices=ImportKind.choices)
    period = models.ForeignKey("assessment.Period", verbose_name=_("考核周期"), on_delete=models.PROTECT,
                               related_name="import_batches")
    department = models.ForeignKey("cadres.Unit", verbose_name=_("填报部门"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="import_batches",
                                   help_text=_("统计数据的填报部门；板块得分由考核办导入，为空"))
    mode = models.CharField(_("导入方式"), max_length=16, choices=ImportMode.choices, default=ImportMode.MERGE)
    status = models.CharField(_("状态"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.CHECKING)
    filename = models.CharField(_("文件名"), max_length=255)
    file = models.FileField(_("原始文件"), upload_to=_upload_path, max_length=400)
    sha256 = models.CharField(_("文件哈希"), max_length=64, db_index=True)
    size = models.PositiveIntegerField(_("文件大小（字节）"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    rolled_back_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    rolled_back_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("撤销人"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    counts = models.JSONField(_("数量"), default=dict, blank=True)
    problems = models.JSONField(_("问题"), default=list, blank=True)
    changes = models.JSONField(_("变更预览"), default=list, blank=True,
                               help_text=_("新值与原值的对照（最多显示前若干条）"))
    warnings_accepted = models.BooleanField(_("已确认警告"), default=False)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["period", "kind", "department", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename} ({self.get_status_display()})"

    @property
    def errors(self) -> list[dict]:
        return [problem for problem in self.problems if problem.get("severity") == "error"]

    @property
    def warnings(self) -> list[dict]:
        return [problem for problem in self.problems if problem.get("severity") == "warning"]

    @property
    def changes_anything(self) -> bool:
        """Whether the checked or committed file creates, changes or clears any value."""
        return any(self.counts.get(kind) for kind in ("created", "changed", "cleared"))


class ValueVersion(models.Model):
    """A value as it was before an import replaced or cleared it (SPEC §9: the old one is kept in the
    value's history). Cells an import created have no version: rolling it back deletes them."""

    # No foreign-key constraints in the database: a department re-sending a province's sheet writes
    # 120,000 versions, and PostgreSQL would check five references for each at commit (about 3 s). The
    # upload service writes them from rows it has just read under the department's lock; the ORM's
    # on_delete rules below still remove or detach them with what they point at.
    batch = models.ForeignKey(ImportBatch, verbose_name=_("替换它的导入"), on_delete=models.CASCADE,
                              related_name="replaced_versions", db_constraint=False)
    written_by = models.ForeignKey(ImportBatch, verbose_name=_("写入它的导入"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", db_constraint=False, db_index=False)
    period = models.ForeignKey("assessment.Period", verbose_name=_("考核周期"), on_delete=models.CASCADE,
                               related_name="+", db_constraint=False, db_index=False)
    unit = models.ForeignKey("cadres.Unit", verbose_name=_("单位"), on_delete=models.CASCADE, related_name="+",
                             db_constraint=False, db_index=False)
    indicator = models.ForeignKey("assessment.Indicator", verbose_name=_("指标"), null=True, blank=True,
                                  on_delete=models.CASCADE,
                                  related_name="+", db_constraint=False, db_index=False)
    component = models.ForeignKey("assessment.Component", verbose_name=_("板块"), null=True, blank=True,
                                  on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False)
    value = models.DecimalField(_("原数值"), max_digits=24, decimal_places=8, null=True, blank=True)
    not_applicable = models.BooleanField(_("原为不适用"), default=False)
    target = models.DecimalField(_("原单位目标值"), max_digits=24, decimal_places=8, null=True, blank=True)
    replaced_at = models.DateTimeField(_("替换时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("数值历史版本")
        verbose_name_plural = _("数值历史版本")
        ordering = ["-replaced_at", "-pk"]
        indexes = [models.Index(fields=["period", "unit", "indicator"], name="value_versions_by_cell")]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.indicator_id or self.component_id}: {self.value}"
