"""Forms and list filters of the feedback pages. They parse what was typed; the rules are in the
services (``feedback.rectification``, ``feedback.honours``, ``feedback.notes``), whose ValidationErrors
the views attach to these forms."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessment.models import Period
from cadres.models import Appointment, Cadre, Unit
from core.filters import StyledFilterSet
from feedback.models import AwardKind, RectificationItem, RectificationSource, RectificationStatus
from feedback.rectification import UNIT_STATUSES, overdue_q

_TEXT = {"class": "form-control"}
_SELECT = {"class": "form-select"}


def attach_errors(form, refused: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the field it names, else above the form."""
    if hasattr(refused, "error_dict"):
        for name, errors in refused.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, refused)


def _date_input():
    return forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


class FeedbackNoteForm(forms.Form):
    comments = forms.CharField(
        label=_("反馈意见"), required=False, max_length=5000,
        help_text=_("写给被考核单位的意见，将印在反馈单上；清空后保存即删除"),
        widget=forms.Textarea(attrs={**_TEXT, "rows": 10}))


class PeriodChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Period) -> str:
        return f"{obj.scheme.name} {obj.code}（{obj.get_state_display()}）"


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.code} {obj.name}"


class RectificationItemForm(forms.Form):
    period = PeriodChoiceField(label=_("考核周期"), queryset=Period.objects.select_related("scheme"),
                               empty_label=_("请选择"), widget=forms.Select(attrs=_SELECT))
    unit = UnitChoiceField(label=_("责任单位"), queryset=Unit.objects.order_by("code"), empty_label=_("请选择"),
                           widget=forms.Select(attrs=_SELECT))
    source = forms.ChoiceField(label=_("来源"), choices=RectificationSource.choices,
                               widget=forms.Select(attrs=_SELECT))
    problem = forms.CharField(label=_("存在问题"), max_length=2000, widget=forms.Textarea(attrs={**_TEXT, "rows": 3}))
    requirement = forms.CharField(label=_("整改要求"), max_length=2000,
                                  widget=forms.Textarea(attrs={**_TEXT, "rows": 3}))
    deadline = forms.DateField(label=_("整改期限"), widget=_date_input(),
                               help_text=_("期限当天仍在期限内，次日起未完成的即为逾期"))


class RectificationEditForm(RectificationItemForm):
    """The office corrects what it wrote; the period and unit of an item do not change."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["period"]
        del self.fields["unit"]


class ProgressForm(forms.Form):
    status = forms.ChoiceField(label=_("整改状态"), widget=forms.Select(attrs=_SELECT),
                               choices=[(status.value, status.label) for status in UNIT_STATUSES])
    note = forms.CharField(label=_("进展情况"), max_length=2000, widget=forms.Textarea(attrs={**_TEXT, "rows": 4}))
    evidence = forms.FileField(label=_("佐证材料"), required=False,
                               widget=forms.ClearableFileInput(attrs={"class": "form-control"}))


class ReviewForm(forms.Form):
    CLOSE, RETURN = "close", "return"
    action = forms.ChoiceField(choices=[(CLOSE, _("销号")), (RETURN, _("退回"))], widget=forms.HiddenInput)
    note = forms.CharField(label=_("审核意见"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={**_TEXT, "rows": 2}),
                           help_text=_("退回时必填，单位将看到这段说明"))


class CadreChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Cadre) -> str:
        posts = "、".join(f"{post.unit.name}{post.title}" for post in getattr(obj, "current_posts", []))
        return f"{obj.name}（{posts}）" if posts else obj.name


class AwardForm(forms.Form):
    kind = forms.ChoiceField(label=_("奖项"), choices=AwardKind.choices, widget=forms.Select(attrs=_SELECT))
    unit = UnitChoiceField(label=_("单位"), required=False, queryset=Unit.objects.none(),
                           empty_label=_("（授予干部时不选）"), widget=forms.Select(attrs=_SELECT))
    cadre = CadreChoiceField(label=_("干部"), required=False, queryset=Cadre.objects.none(),
                             empty_label=_("（授予单位时不选）"), widget=forms.Select(attrs=_SELECT))
    citation = forms.CharField(label=_("评语"), max_length=2000, widget=forms.Textarea(attrs={**_TEXT, "rows": 4}))

    def __init__(self, *args, period: Period, **kwargs):
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(track_memberships__scheme=period.scheme).order_by("code")
        self.fields["unit"].queryset = units
        posts = Appointment.objects.active_on(timezone.localdate()).filter(unit__in=units).select_related("unit")
        self.fields["cadre"].queryset = (
            Cadre.objects.filter(pk__in=posts.values("cadre_id"))
            .prefetch_related(Prefetch("appointments", queryset=posts.order_by("role"), to_attr="current_posts"))
            .order_by("name", "pk"))


class AwardEditForm(forms.Form):
    citation = AwardForm.base_fields["citation"]


class RectificationFilter(StyledFilterSet):
    period = django_filters.ModelChoiceFilter(label=_("考核周期"), queryset=Period.objects.select_related("scheme"),
                                              empty_label=_("全部周期"))
    unit = django_filters.ModelChoiceFilter(label=_("责任单位"), queryset=Unit.objects.order_by("code"),
                                            empty_label=_("全部单位"))
    status = django_filters.ChoiceFilter(label=_("状态"), choices=RectificationStatus.choices,
                                         empty_label=_("全部状态"))
    source = django_filters.ChoiceFilter(label=_("来源"), choices=RectificationSource.choices,
                                         empty_label=_("全部来源"))
    overdue = django_filters.ChoiceFilter(label=_("是否逾期"), method="filter_overdue", empty_label=_("全部"),
                                          choices=[("yes", _("逾期")), ("no", _("未逾期"))])

    class Meta:
        model = RectificationItem
        fields = ["period", "unit", "status", "source", "overdue"]

    def __init__(self, *args, periods=None, restrict_units: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if periods is not None:
            self.filters["period"].queryset = periods
            self.form.fields["period"].queryset = periods
        # A unit viewer sees only its own unit's items: a unit choice would only list other units.
        if restrict_units:
            del self.filters["unit"]
            del self.form.fields["unit"]

    def filter_overdue(self, queryset, name, value):
        if value == "yes":
            return queryset.filter(overdue_q())
        if value == "no":
            return queryset.exclude(overdue_q())
        return queryset
