"""Forms of the assessment pages."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy

from assessment.models import Scheme
from assessment.scheme_workbook import period_code_problems
from core.forms import SpreadsheetUploadForm

# Officers type period codes as they come: "2024 2024H1", "2024,2024H1", "2024，2024H1", "2024、2024H1".
_PERIOD_SEPARATORS = re.compile(r"[\s,，、;；]+")


class SchemeTargetForm(forms.Form):
    """Which scheme a workbook is loaded into, and which periods the load opens."""

    name = forms.CharField(label=gettext_lazy("方案名称"), max_length=Scheme._meta.get_field("name").max_length)
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=1900, max_value=2999)
    periods = forms.CharField(
        label=gettext_lazy("开放周期"), required=False, max_length=500,
        help_text=gettext_lazy("可选。载入后开启的考核周期，多个用逗号或空格分隔，例如 2024 2024H1 2024Q3 2024-07；"
                               "已有的周期保持原状态。"),
    )

    def clean_periods(self) -> list[str]:
        return [code for code in _PERIOD_SEPARATORS.split(self.cleaned_data["periods"]) if code]

    def clean(self):
        cleaned = super().clean()
        year, codes = cleaned.get("year"), cleaned.get("periods")
        if year is not None and codes:
            for problem in period_code_problems(codes, year):
                self.add_error("periods", f"{problem.value}：{problem.message}")
        return cleaned

    def details(self) -> dict:
        """The cleaned choices as kept in the session between the preview and the confirmation."""
        return {key: self.cleaned_data[key] for key in ("name", "year", "periods")}

    @classmethod
    def from_details(cls, details: dict) -> SchemeTargetForm:
        """A bound form from kept details, so that they are validated again when used."""
        periods = details.get("periods")
        return cls({"name": details.get("name", ""), "year": details.get("year", ""),
                    "periods": " ".join(periods) if isinstance(periods, list) else ""})


class SchemeImportForm(SpreadsheetUploadForm, SchemeTargetForm):
    """The workbook file with the scheme it is loaded into."""
