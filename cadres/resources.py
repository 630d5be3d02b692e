"""django-import-export resources for the registry: Chinese column headers, codes for references."""

from __future__ import annotations

from django.utils.translation import gettext as _
from import_export import fields, resources
from import_export.widgets import CharWidget, DateWidget, DecimalWidget, ForeignKeyWidget

from cadres.models import Appointment, AppointmentRole, Cadre, Gender, Unit, UnitKind
from core.spreadsheets.formula_guard import formula_safe


class ChoiceLabelWidget(CharWidget):
    """Reads a choice by its Chinese label or its stored value; writes the label."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.choices = choices

    def clean(self, value, row=None, **kwargs):
        text = ("" if value is None else str(value)).strip()
        if not text:
            return ""
        for stored, label in self.choices.choices:
            if text in (stored, str(label)):
                return stored
        raise ValueError(_("“%(value)s”不是可选值（可填：%(choices)s）") % {
            "value": text, "choices": "、".join(str(label) for _stored, label in self.choices.choices)})

    def render(self, value, obj=None, **kwargs):
        return str(self.choices(value).label) if value in self.choices.values else (value or "")


class CodeForeignKeyWidget(ForeignKeyWidget):
    """A reference written as the other unit's code, with a Chinese error when the code is unknown."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row=row, **kwargs)
        except self.model.DoesNotExist as exc:
            raise ValueError(_("代码“%(code)s”找不到对应的单位") % {"code": value}) from exc


class IdNumberWidget(ForeignKeyWidget):
    """A cadre written as the ID number; the numbers are encrypted, so it is found by its digest."""

    def __init__(self, **kwargs):
        super().__init__(Cadre, field="id_number", **kwargs)

    def clean(self, value, row=None, **kwargs):
        if not value:
            return None
        cadre = Cadre.objects.with_id_number(str(value)).first()
        if cadre is None:
            raise ValueError(_("身份证号“%(number)s”找不到对应的干部") % {"number": value})
        return cadre


class FormulaSafeResource(resources.ModelResource):
    """Exports from admin go through the same formula guard as every other spreadsheet we write."""

    def export_field(self, field, instance, **kwargs):
        return formula_safe(super().export_field(field, instance, **kwargs))


class UnitResource(FormulaSafeResource):
    code = fields.Field(attribute="code", column_name="代码")
    name = fields.Field(attribute="name", column_name="名称")
    kind = fields.Field(attribute="kind", column_name="类型", widget=ChoiceLabelWidget(UnitKind))
    parent = fields.Field(attribute="parent", column_name="上级单位代码",
                          widget=CodeForeignKeyWidget(Unit, field="code"))
    population = fields.Field(attribute="population", column_name="人口", widget=DecimalWidget())
    area_km2 = fields.Field(attribute="area_km2", column_name="面积", widget=DecimalWidget())
    gdp = fields.Field(attribute="gdp", column_name="地区生产总值", widget=DecimalWidget())
    fiscal_revenue = fields.Field(attribute="fiscal_revenue", column_name="财政收入", widget=DecimalWidget())

    class Meta:
        model = Unit
        import_id_fields = ("code",)
        fields = ("code", "name", "kind", "parent", "population", "area_km2", "gdp", "fiscal_revenue")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = False


class CadreResource(FormulaSafeResource):
    id_number = fields.Field(attribute="id_number", column_name="身份证号")
    name = fields.Field(attribute="name", column_name="姓名")
    gender = fields.Field(attribute="gender", column_name="性别", widget=ChoiceLabelWidget(Gender))
    birth_date = fields.Field(attribute="birth_date", column_name="出生日期", widget=DateWidget("%Y-%m-%d"))
    ethnicity = fields.Field(attribute="ethnicity", column_name="民族")
    political_status = fields.Field(attribute="political_status", column_name="政治面貌")
    education = fields.Field(attribute="education", column_name="学历")
    rank = fields.Field(attribute="rank", column_name="职级")
    phone = fields.Field(attribute="phone", column_name="联系电话")

    class Meta:
        model = Cadre
        import_id_fields = ("id_number",)
        fields = ("id_number", "name", "gender", "birth_date", "ethnicity", "political_status",
                  "education", "rank", "phone")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = False

    def __init__(self, *, mask_personal_numbers: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.mask_personal_numbers = mask_personal_numbers

    def get_instance(self, instance_loader, row):
        # The ID number is encrypted at rest: the existing cadre is found through its digest.
        number = row.get(self.fields["id_number"].column_name)
        return Cadre.objects.with_id_number(str(number)).first() if number else None

    def dehydrate_id_number(self, cadre):
        from cadres.id_numbers import mask_id_number

        return mask_id_number(cadre.id_number) if self.mask_personal_numbers else cadre.id_number

    def dehydrate_phone(self, cadre):
        from cadres.id_numbers import mask_phone

        return mask_phone(cadre.phone) if self.mask_personal_numbers else cadre.phone


class AppointmentResource(FormulaSafeResource):
    cadre = fields.Field(attribute="cadre", column_name="身份证号",
                         widget=IdNumberWidget())
    cadre_name = fields.Field(attribute="cadre__name", column_name="姓名", readonly=True)
    unit = fields.Field(attribute="unit", column_name="单位代码", widget=CodeForeignKeyWidget(Unit, field="code"))
    title = fields.Field(attribute="title", column_name="职务")
    role = fields.Field(attribute="role", column_name="类别", widget=ChoiceLabelWidget(AppointmentRole))
    start_date = fields.Field(attribute="start_date", column_name="任职时间", widget=DateWidget("%Y-%m-%d"))
    end_date = fields.Field(attribute="end_date", column_name="免职时间", widget=DateWidget("%Y-%m-%d"))

    class Meta:
        model = Appointment
        import_id_fields = ("cadre", "unit", "title", "start_date")
        fields = ("cadre", "cadre_name", "unit", "title", "role", "start_date", "end_date")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = False

    def __init__(self, *, mask_personal_numbers: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.mask_personal_numbers = mask_personal_numbers

    def dehydrate_cadre(self, appointment):
        from cadres.id_numbers import mask_id_number

        number = appointment.cadre.id_number
        return mask_id_number(number) if self.mask_personal_numbers else number
