"""Forms of the alert, warning and rule pages."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cadres.models import UnitKind
from supervision.models import AlertStatus, EfficiencyWarningKind, HandlingAction, RecordType
from supervision.points import Line, Rules, WarningLevel
from supervision.rules import RuleDraft, RulesInForce

HUNDRED = Decimal(100)


class AlertHandlingForm(forms.Form):
    action = forms.ChoiceField(label=_("处置方式"), choices=HandlingAction.choices,
                               widget=forms.Select(attrs={"class": "form-select"}))
    date = forms.DateField(label=_("处置日期"), widget=forms.DateInput(format="%Y-%m-%d",
                                                                  attrs={"type": "date", "class": "form-control"}))
    note = forms.CharField(label=_("处置情况或理由"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
                           help_text=_("选择“不予处理”时必须写明理由"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class AlertFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *AlertStatus.choices],
                               widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    line = forms.ChoiceField(label=_("标准线"), required=False,
                             choices=[("", _("全部")), *[c for c in Line.choices if c[0] != Line.NONE]],
                             widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    unit = forms.CharField(label=_("单位代码"), required=False, max_length=32,
                           widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}))


class WarningFilterForm(forms.Form):
    SORTS = [("level", _("按预警等级")), ("share", _("按比例")), ("code", _("按单位代码")),
             ("points", _("按有积分人数"))]
    level = forms.ChoiceField(label=_("预警等级"), required=False, choices=[("", _("全部")), *WarningLevel.choices],
                              widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    kind = forms.ChoiceField(label=_("单位类型"), required=False, choices=[("", _("全部")), *UnitKind.choices],
                             widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    q = forms.CharField(label=_("单位名称或代码"), required=False, max_length=50,
                        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}))
    sort = forms.ChoiceField(label=_("排序"), required=False, choices=SORTS,
                             widget=forms.Select(attrs={"class": "form-select form-select-sm"}))


class EfficiencyFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部")), *EfficiencyWarningKind.choices],
                             widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    period = forms.CharField(label=_("周期代码"), required=False, max_length=16,
                             widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}))
    q = forms.CharField(label=_("单位名称或代码"), required=False, max_length=50,
                        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}))


def _number(label, *, places=1, minimum=0, maximum=None, help_text=""):
    return forms.DecimalField(label=label, max_digits=6, decimal_places=places, min_value=minimum, max_value=maximum,
                              help_text=help_text,
                              widget=forms.NumberInput(attrs={"class": "form-control form-control-sm",
                                                              "step": "0.1" if places else "1"}))


def _percent(share: Decimal) -> Decimal:
    return (share * HUNDRED).quantize(Decimal("0.1"))


class RuleChangeForm(forms.Form):
    """The thresholds (shares entered as percentages) and one points field per record type."""

    valid_from = forms.DateField(label=_("生效日期"), widget=forms.DateInput(
        format="%Y-%m-%d", attrs={"type": "date", "class": "form-control form-control-sm"}))
    window_months = forms.IntegerField(label=_("积分周期（月）"), min_value=1, max_value=60,
                                       widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}))
    reminder_line = _number(_("提醒线"))
    inquiry_line = _number(_("函询线"))
    admonishment_line = _number(_("诫勉线"))
    yellow_share = _number(_("黄色预警比例（%）"), maximum=HUNDRED)
    orange_share = _number(_("橙色预警比例（%）"), maximum=HUNDRED)
    red_share = _number(_("红色预警比例（%）"), maximum=HUNDRED)
    share_rule_min_cadres = forms.IntegerField(
        label=_("按比例定色的最少人数"), min_value=1, max_value=1000,
        help_text=_("在任干部少于此数的单位只按标准线定色"),
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}))
    note = forms.CharField(label=_("调整说明"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}))

    def __init__(self, *args, current: RulesInForce, **kwargs):
        super().__init__(*args, **kwargs)
        rules = current.rules
        self.record_types = list(RecordType.objects.order_by("sort_order", "name", "subtype"))
        self.initial.update({
            "valid_from": timezone.localdate(), "window_months": rules.window_months,
            "reminder_line": rules.reminder_line, "inquiry_line": rules.inquiry_line,
            "admonishment_line": rules.admonishment_line, "yellow_share": _percent(rules.yellow_share),
            "orange_share": _percent(rules.orange_share), "red_share": _percent(rules.red_share),
            "share_rule_min_cadres": rules.share_rule_min_cadres,
        })
        for record_type in self.record_types:
            name = self.type_field_name(record_type)
            self.fields[name] = _number(str(record_type))
            self.initial[name] = current.type_points.get(record_type.pk, record_type.points)

    @staticmethod
    def type_field_name(record_type: RecordType) -> str:
        return f"points_{record_type.pk}"

    def type_fields(self):
        """(record type, bound field, points in force) for the template's table."""
        return [(record_type, self[self.type_field_name(record_type)], self.initial[self.type_field_name(record_type)])
                for record_type in self.record_types]

    def threshold_fields(self):
        return [self[name] for name in ("window_months", "reminder_line", "inquiry_line", "admonishment_line",
                                        "yellow_share", "orange_share", "red_share", "share_rule_min_cadres")]

    def draft(self) -> RuleDraft:
        data = self.cleaned_data
        rules = Rules(
            window_months=data["window_months"], reminder_line=data["reminder_line"],
            inquiry_line=data["inquiry_line"], admonishment_line=data["admonishment_line"],
            yellow_share=data["yellow_share"] / HUNDRED, orange_share=data["orange_share"] / HUNDRED,
            red_share=data["red_share"] / HUNDRED, share_rule_min_cadres=data["share_rule_min_cadres"],
        )
        return RuleDraft(rules=rules, type_points={record_type.pk: data[self.type_field_name(record_type)]
                                                   for record_type in self.record_types})
