"""Forms of the supervision record pages. They parse what the officer typed; the rules are in
``supervision.records``, whose ValidationErrors the views attach to these forms."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.documents import check_attachment
from supervision.models import RecordType
from supervision.records import plain_points


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list (empty when none was chosen)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"class": "form-control"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [file for file in data if file] if isinstance(data, list | tuple) else [data] if data else []
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


class RecordTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: RecordType) -> str:
        return _("%(type)s（%(points)s分）") % {"type": obj, "points": plain_points(obj.points)}


class RecordForm(forms.Form):
    record_type = RecordTypeChoiceField(
        label=gettext_lazy("类型·细类"), queryset=RecordType.objects.order_by("sort_order", "name", "subtype"),
        empty_label=gettext_lazy("请选择"), widget=forms.Select(attrs={"class": "form-select"}),
        help_text=gettext_lazy("函询、立案审查调查尚无办理结果时，选不带细类的一项"))
    date = forms.DateField(label=gettext_lazy("日期"), help_text=gettext_lazy("作出决定或登记的日期"),
                           widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"))
    outcome_date = forms.DateField(
        label=gettext_lazy("办理结果日期"), required=False,
        help_text=gettext_lazy("函询的办理结果为诫勉时，据此生成的诫勉记录以这一天为日期；不填则新录入的记录用上面的日期，修改的记录用今天"),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"))
    source = forms.CharField(label=gettext_lazy("来源部门"), max_length=40,
                             widget=forms.TextInput(attrs={"class": "form-control", "list": "source-departments",
                                                           "autocomplete": "off"}))
    document_number = forms.CharField(label=gettext_lazy("文号"), max_length=100, required=False,
                                      widget=forms.TextInput(attrs={"class": "form-control"}))
    summary = forms.CharField(label=gettext_lazy("摘要"), required=False,
                              widget=forms.Textarea(attrs={"class": "form-control", "rows": 4}))
    attachments = MultipleFileField(label=gettext_lazy("附件"), required=False)

    def clean_attachments(self):
        files = self.cleaned_data["attachments"]
        errors = []
        for upload in files:
            try:
                check_attachment(upload)
            except ValidationError as refused:
                errors.extend(refused.messages)
        if errors:
            raise ValidationError(errors)
        return files

    def record_values(self) -> dict[str, object]:
        data = self.cleaned_data
        return {name: data[name] for name in ("record_type", "date", "source", "document_number", "summary")}


class RecordEditForm(RecordForm):
    reason = forms.CharField(label=gettext_lazy("修改原因"), max_length=200,
                             help_text=gettext_lazy("修改前的内容将作为历史版本保留，并记入审计日志"),
                             widget=forms.TextInput(attrs={"class": "form-control"}))

    field_order = ["record_type", "date", "outcome_date", "source", "document_number", "summary", "attachments",
                   "reason"]
