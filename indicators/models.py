"""Dimensions, indicators, their weights per track, and the raw statistics (SPEC §3–§4)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
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
    batch = models.ForeignKey("ImportBatch", verbose_name=_("导入批次"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+", db_constraint=False, db_index=False,
                              help_text=_("写入当前数值的那次导入；在后台修改的为空"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
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
    indicator = models.ForeignKey(Indicator, verbose_name=_("指标"), null=True, blank=True, on_delete=models.CASCADE,
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
