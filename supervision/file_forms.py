"""Forms of the file, pre-check and report pages."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.forms import SpreadsheetUploadForm
from supervision.models import MandatoryCheckKind, ReportKind
from supervision.precheck_batch import MAX_LINES


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "form-control form-control-sm", **(attrs or {})}, format="%Y-%m-%d")


def _not_in_future(day: datetime.date) -> datetime.date:
    if day > timezone.localdate():
        raise ValidationError(_("日期不能晚于今天"))
    return day


class MandatoryCheckForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("事项"), choices=MandatoryCheckKind.choices,
                             widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    done_on = forms.DateField(label=gettext_lazy("完成日期"), widget=DateInput())
    note = forms.CharField(label=gettext_lazy("说明"), max_length=300, required=False,
                           widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}))

    def clean_done_on(self):
        return _not_in_future(self.cleaned_data["done_on"])


class PrecheckDateForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("核查日期"), required=False, widget=DateInput(),
                           help_text=gettext_lazy("留空为今天"))

    def day(self) -> datetime.date:
        return self.cleaned_data.get("date") or timezone.localdate()


class PrecheckBatchForm(PrecheckDateForm):
    id_numbers = forms.CharField(
        label=gettext_lazy("身份证号"), required=False,
        widget=forms.Textarea(attrs={"class": "form-control font-monospace", "rows": 8}),
        help_text=gettext_lazy("每行一个身份证号；也可以从表格中整列复制粘贴"))
    file = forms.FileField(label=gettext_lazy("或上传表格"), required=False,
                           widget=forms.ClearableFileInput(attrs={"class": "form-control form-control-sm",
                                                                  "accept": ".xlsx,.xls,.ods"}),
                           help_text=gettext_lazy("含“身份证号”列的 .xlsx、.xls 或 .ods 文件"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["id_numbers"].help_text = _("每行一个身份证号，最多%(max)d行；也可以从表格中整列复制粘贴") % {
            "max": MAX_LINES}

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            # The same size and type checks as every other upload of the app.
            check = SpreadsheetUploadForm(files={"file": upload})
            if not check.is_valid():
                raise ValidationError(check.errors["file"])
        return upload

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("id_numbers", "").strip() and not cleaned.get("file"):
            raise ValidationError(_("请粘贴身份证号或上传表格"))
        return cleaned


class ReportGenerateForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("报告类型"), choices=ReportKind.choices,
                             widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    month = forms.CharField(label=gettext_lazy("所在月份"),
                            widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "type": "month"}),
                            help_text=gettext_lazy("季度分析和年度报告取该月所在的季度、年度"))

    def clean_month(self) -> datetime.date:
        text = self.cleaned_data["month"].strip()
        try:
            day = datetime.datetime.strptime(text, "%Y-%m").date()
        except ValueError as exc:
            raise ValidationError(_("月份应写成 2026-01 的形式")) from exc
        if day > timezone.localdate():
            raise ValidationError(_("不能为尚未开始的月份生成报告"))
        return day
