"""Schemes: their components, tracks and rules (SPEC §2–§3, §5)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cadres.models import Unit


class SchemeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("启用")
    ARCHIVED = "archived", _("已归档")


class Scheme(models.Model):
    name = models.CharField(_("方案名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(_("状态"), max_length=16, choices=SchemeStatus.choices, default=SchemeStatus.DRAFT)
    description = models.TextField(_("说明"), blank=True)
    bonus_cap = models.DecimalField(_("加分上限"), max_digits=6, decimal_places=2, default=Decimal("5"),
                                    validators=[MinValueValidator(0)])
    penalty_cap = models.DecimalField(_("扣分上限"), max_digits=6, decimal_places=2, default=Decimal("10"),
                                      validators=[MinValueValidator(0)])
    first_share = models.DecimalField(
        _("第一等次比例"), max_digits=4, decimal_places=3, default=Decimal("0.3"),
        validators=[MinValueValidator(0), MaxValueValidator(1)], help_text=_("例如 0.3 表示赛道内前30%"),
    )
    third_share = models.DecimalField(
        _("第三等次比例"), max_digits=4, decimal_places=3, default=Decimal("0.1"),
        validators=[MinValueValidator(0), MaxValueValidator(1)], help_text=_("例如 0.1 表示赛道内后10%"),
    )
    # The 优秀 quota of a unit's cadres (SPEC §6), by the unit's tier in the year's assessment.
    excellent_share = models.DecimalField(
        _("优秀比例"), max_digits=4, decimal_places=3, default=Decimal("0.2"),
        validators=[MinValueValidator(0), MaxValueValidator(1)], help_text=_("单位参加考核干部中优秀等次的比例"),
    )
    excellent_share_first_tier = models.DecimalField(
        _("第一等次单位优秀比例"), max_digits=4, decimal_places=3, default=Decimal("0.25"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    excellent_share_third_tier = models.DecimalField(
        _("第三等次或一票否决单位优秀比例"), max_digits=4, decimal_places=3, default=Decimal("0.15"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    first_tier_name = models.CharField(_("第一等次名称"), max_length=20, default="第一等次")
    second_tier_name = models.CharField(_("第二等次名称"), max_length=20, default="第二等次")
    third_tier_name = models.CharField(_("第三等次名称"), max_length=20, default="第三等次")

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")
        ordering = ["-year", "name"]
        constraints = [models.UniqueConstraint(fields=["name", "year"], name="unique_scheme_name_per_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("assessment:scheme_detail", args=[self.pk])

    def tier_name(self, tier: int | None) -> str:
        return {1: self.first_tier_name, 2: self.second_tier_name, 3: self.third_tier_name}.get(tier, "")


class Component(models.Model):
    """考核板块: a part of the total with a weight; the performance component is computed from indicators."""

    scheme = models.ForeignKey(Scheme, verbose_name=_("考核方案"), on_delete=models.CASCADE, related_name="components")
    name = models.CharField(_("板块名称"), max_length=50)
    weight = models.DecimalField(_("权重"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)])
    is_performance = models.BooleanField(
        _("绩效板块"), default=False, help_text=_("由指标计算得分的板块（通常是“绩效考核”）")
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("考核板块")
        verbose_name_plural = _("考核板块")
        ordering = ["scheme", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "name"], name="unique_component_name_per_scheme",
                                    violation_error_message=_("同一方案中板块名称不能重复")),
            models.UniqueConstraint(fields=["scheme"], condition=models.Q(is_performance=True),
                                    name="one_performance_component_per_scheme",
                                    violation_error_message=_("一个方案只能有一个绩效板块")),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.weight}）"


class VetoItem(models.Model):
    """An approved ground for a one-vote veto (一票否决事项), with its legal basis."""

    name = models.CharField(_("否决事项"), max_length=100, unique=True)
    legal_basis = models.TextField(_("依据"))
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("一票否决事项")
        verbose_name_plural = _("一票否决事项")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Track(models.Model):
    """赛道: a peer group of comparable units inside one scheme; all ranking happens within it."""

    scheme = models.ForeignKey(Scheme, verbose_name=_("考核方案"), on_delete=models.CASCADE, related_name="tracks")
    code = models.CharField(_("赛道代码"), max_length=32)
    name = models.CharField(_("赛道名称"), max_length=100)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("赛道")
        verbose_name_plural = _("赛道")
        ordering = ["scheme", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "code"], name="unique_track_code_per_scheme",
                violation_error_message=_("同一方案中赛道代码不能重复"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class TrackMembership(models.Model):
    scheme = models.ForeignKey(Scheme, verbose_name=_("考核方案"), on_delete=models.CASCADE, related_name="memberships")
    track = models.ForeignKey(Track, verbose_name=_("赛道"), on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="track_memberships")

    class Meta:
        verbose_name = _("赛道成员")
        verbose_name_plural = _("赛道成员")
        ordering = ["track", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "unit"], name="one_track_per_unit_and_scheme",
                violation_error_message=_("一个单位在同一方案中只能属于一个赛道"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.track} · {self.unit}"

    def save(self, *args, **kwargs):
        # The scheme is the track's; keeping it here lets the database enforce one track per scheme.
        if self.track_id and not self.scheme_id:
            self.scheme_id = self.track.scheme_id
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.track_id and self.scheme_id and self.track.scheme_id != self.scheme_id:
            raise ValidationError({"track": _("赛道不属于所选的考核方案")})
