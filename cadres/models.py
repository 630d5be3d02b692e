"""The organisation registry: units, cadres and their appointments (SPEC §2)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cadres import personal_data
from cadres.fields import EncryptedCharField, KeyedDigestField
from cadres.id_numbers import id_number_problem


class UnitKind(models.TextChoices):
    TOWNSHIP = "township", _("乡镇")
    STREET = "street", _("街道")
    DEPARTMENT = "department", _("区直部门")
    STATE_ENTERPRISE = "state_enterprise", _("国有企业")
    UNIVERSITY = "university", _("高校")
    DEVELOPMENT_ZONE = "development_zone", _("开发区")
    COUNTY = "county", _("县市区")


# Names of the numeric attributes that an indicator may use as its per-capita base (SPEC §4).
BASE_ATTRIBUTES = ("population", "area_km2", "gdp", "fiscal_revenue")


class UnitQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Unit(models.Model):
    code = models.CharField(
        _("单位代码"), max_length=32, unique=True,
        help_text=_("稳定不变的代码，所有表格都用它识别单位"),
        error_messages={"unique": _("单位代码已被其他单位使用")},
    )
    name = models.CharField(_("单位名称"), max_length=100)
    kind = models.CharField(_("单位类型"), max_length=32, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级单位"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    population = models.DecimalField(_("人口（万人）"), max_digits=14, decimal_places=4, null=True, blank=True)
    area_km2 = models.DecimalField(_("面积（平方公里）"), max_digits=14, decimal_places=4, null=True, blank=True)
    gdp = models.DecimalField(_("地区生产总值（亿元）"), max_digits=16, decimal_places=4, null=True, blank=True)
    fiscal_revenue = models.DecimalField(_("财政收入（亿元）"), max_digits=16, decimal_places=4, null=True, blank=True)
    is_active = models.BooleanField(_("在用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(population__isnull=True) | Q(population__gte=0), name="unit_population_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(area_km2__isnull=True) | Q(area_km2__gte=0), name="unit_area_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("cadres:unit_detail", args=[self.pk])

    def clean(self) -> None:
        if self.code:
            self.code = self.code.strip()
            if any(ch.isspace() for ch in self.code):
                raise ValidationError({"code": _("单位代码不能包含空格")})
        if self.parent_id and self.pk and self.parent_id == self.pk:
            raise ValidationError({"parent": _("上级单位不能是本单位")})
        # Walk up the tree so that no unit becomes its own ancestor.
        ancestor, seen = self.parent, set()
        while ancestor is not None and self.pk:
            if ancestor.pk == self.pk or ancestor.pk in seen:
                raise ValidationError({"parent": _("上级单位不能是本单位的下级单位")})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Rank(models.TextChoices):
    """职级 of a district's leading cadres, highest first."""

    DIVISION_HEAD = "正处级", _("正处级")
    DIVISION_DEPUTY = "副处级", _("副处级")
    RESEARCHER_1 = "一级调研员", _("一级调研员")
    RESEARCHER_2 = "二级调研员", _("二级调研员")
    RESEARCHER_3 = "三级调研员", _("三级调研员")
    RESEARCHER_4 = "四级调研员", _("四级调研员")
    SECTION_HEAD = "正科级", _("正科级")
    SECTION_DEPUTY = "副科级", _("副科级")
    CLERK_1 = "一级主任科员", _("一级主任科员")
    CLERK_2 = "二级主任科员", _("二级主任科员")
    CLERK_3 = "三级主任科员", _("三级主任科员")
    CLERK_4 = "四级主任科员", _("四级主任科员")


class CadreQuerySet(models.QuerySet):
    def with_id_number(self, number: str):
        return self.filter(id_number_digest=personal_data.id_number_digest(number))

    def with_id_numbers(self, numbers):
        return self.filter(id_number_digest__in=[personal_data.id_number_digest(n) for n in numbers])

    def with_id_number_ending(self, tail: str):
        """Cadres whose ID number ends with ``tail`` (at least ID_TAIL_LENGTH characters): the
        digest of the last characters narrows the search, the decrypted numbers decide."""
        tail = personal_data.normalise_id_number(tail)
        candidates = self.filter(id_number_tail_digest=personal_data.id_tail_digest(tail))
        return self.filter(pk__in=[cadre.pk for cadre in candidates if cadre.id_number.endswith(tail)])

    def serving_in(self, unit: Unit, on: date):
        """Cadres holding a post in the unit on that date."""
        current = Appointment.objects.active_on(on).filter(unit=unit)
        return self.filter(pk__in=current.values("cadre_id"))


class Cadre(models.Model):
    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True)
    political_status = models.CharField(_("政治面貌"), max_length=20, blank=True)
    education = models.CharField(_("学历"), max_length=30, blank=True)
    rank = models.CharField(_("职级"), max_length=20, choices=Rank.choices, blank=True)
    # Encrypted at rest (cadres.personal_data); found through the keyed digests below.
    id_number = EncryptedCharField(_("身份证号"), plain_max_length=18)
    id_number_digest = KeyedDigestField(source="id_number", unique=True)
    id_number_tail_digest = KeyedDigestField(source="id_number", digest="id_tail_digest", db_index=True)
    phone = EncryptedCharField(_("联系电话"), plain_max_length=20, blank=True)
    # The cadre's own login, when the cadre works in this system: officers must recuse themselves
    # from their own supervision file and their close relatives' (supervision.recusal).
    account = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("本人系统账号"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="cadre")

    objects = CadreQuerySet.as_manager()

    class Meta:
        verbose_name = _("干部")
        verbose_name_plural = _("干部")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cadres:cadre_detail", args=[self.pk])

    def clean(self) -> None:
        if self.id_number:
            self.id_number = self.id_number.strip().upper()
            problem = id_number_problem(self.id_number)
            if problem:
                raise ValidationError({"id_number": problem})

    def validate_unique(self, exclude=None) -> None:
        # The unique index is on the digest, which forms never show; check it against the number.
        super().validate_unique(exclude=exclude)
        if self.id_number and (exclude is None or "id_number" not in exclude):
            taken = Cadre.objects.with_id_number(self.id_number).exclude(pk=self.pk).exists()
            if taken:
                raise ValidationError({"id_number": _("该身份证号已登记在另一名干部名下")})

    def current_appointments(self, on: date | None = None):
        return self.appointments.active_on(on or date.today()).select_related("unit")


class AppointmentRole(models.TextChoices):
    PRINCIPAL = "principal", _("正职")
    DEPUTY = "deputy", _("副职")
    MEMBER = "member", _("成员")


class AppointmentQuerySet(models.QuerySet):
    def active_on(self, on: date):
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=on), start_date__lte=on)


class Appointment(models.Model):
    cadre = models.ForeignKey(Cadre, verbose_name=_("干部"), on_delete=models.PROTECT, related_name="appointments")
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="appointments")
    title = models.CharField(_("职务"), max_length=100)
    role = models.CharField(_("类别"), max_length=16, choices=AppointmentRole.choices)
    start_date = models.DateField(_("任职时间"))
    end_date = models.DateField(_("免职时间"), null=True, blank=True, help_text=_("在任的留空"))

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        ordering = ["-start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="appointment_end_not_before_start",
                violation_error_message=_("免职时间不能早于任职时间"),
            ),
            # The database keeps the simplest form of the overlap rule (one open principal post
            # per cadre and unit); clean() checks the general date overlap with a clear message.
            models.UniqueConstraint(
                fields=["cadre", "unit"],
                condition=Q(role="principal", end_date__isnull=True),
                name="one_open_principal_appointment_per_cadre_and_unit",
                violation_error_message=_("该干部在该单位已有一个在任的正职任职"),
            ),
        ]
        indexes = [models.Index(fields=["unit", "start_date"])]

    def __str__(self) -> str:
        return f"{self.cadre} · {self.unit.name} {self.title}"

    @property
    def is_current(self) -> bool:
        today = date.today()
        return self.start_date <= today and (self.end_date is None or self.end_date >= today)

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("免职时间不能早于任职时间")})
        if self.role == AppointmentRole.PRINCIPAL and self.cadre_id and self.unit_id and self.start_date:
            overlapping = overlapping_principal_appointments(self)
            if overlapping:
                other = overlapping[0]
                raise ValidationError(
                    _("该干部在%(unit)s已有一段正职任职（%(start)s 至 %(end)s），与本次任职时间重叠")
                    % {
                        "unit": self.unit.name,
                        "start": other.start_date.isoformat(),
                        "end": other.end_date.isoformat() if other.end_date else _("今"),
                    }
                )


def overlapping_principal_appointments(appointment: Appointment) -> list[Appointment]:
    """Other principal appointments of the same cadre in the same unit whose dates meet this one's."""
    others = Appointment.objects.filter(
        cadre_id=appointment.cadre_id, unit_id=appointment.unit_id, role=AppointmentRole.PRINCIPAL
    ).exclude(pk=appointment.pk)
    others = others.filter(Q(end_date__isnull=True) | Q(end_date__gte=appointment.start_date))
    if appointment.end_date:
        others = others.filter(start_date__lte=appointment.end_date)
    return list(others.order_by("start_date"))


class Relation(models.TextChoices):
    SPOUSE = "配偶", _("配偶")
    PARENT = "父母", _("父母")
    CHILD = "子女", _("子女")
    SIBLING = "兄弟姐妹", _("兄弟姐妹")
    PARENT_IN_LAW = "配偶的父母", _("配偶的父母")
    CHILD_IN_LAW = "子女的配偶", _("子女的配偶")
    OTHER = "其他亲属", _("其他亲属")


class Kinship(models.Model):
    """A family tie between two cadres, as declared in their personal-matters reports (个人有关事项).

    Which relations oblige an officer to recuse himself is configured (RECUSAL_RELATIONS); a tie
    counts in both directions."""

    cadre = models.ForeignKey(Cadre, verbose_name=_("干部"), on_delete=models.CASCADE, related_name="kinships")
    relative = models.ForeignKey(Cadre, verbose_name=_("亲属"), on_delete=models.CASCADE, related_name="+")
    relation = models.CharField(_("关系"), max_length=16, choices=Relation.choices)

    class Meta:
        verbose_name = _("亲属关系")
        verbose_name_plural = _("亲属关系")
        constraints = [
            models.UniqueConstraint(fields=["cadre", "relative"], name="one_kinship_per_pair",
                                    violation_error_message=_("这两名干部之间已登记亲属关系")),
            models.CheckConstraint(condition=~Q(cadre=models.F("relative")), name="kinship_not_with_oneself",
                                   violation_error_message=_("不能把干部登记为自己的亲属")),
        ]

    def __str__(self) -> str:
        return f"{self.cadre} — {self.relative}（{self.get_relation_display()}）"
