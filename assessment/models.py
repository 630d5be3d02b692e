"""Schemes and their tracks (SPEC §2–§3). Periods, indicators' weights and results join them later."""

from __future__ import annotations

from django.core.exceptions import ValidationError
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

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")
        ordering = ["-year", "name"]
        constraints = [models.UniqueConstraint(fields=["name", "year"], name="unique_scheme_name_per_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("assessment:scheme_detail", args=[self.pk])


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
