"""The confirmation forms of the publishing moves (the rules are in ``assessment.publishing``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from assessment.publishing import REASON_MAX_LENGTH

CHECKBOX = forms.CheckboxInput(attrs={"class": "form-check-input"})


class LockForm(forms.Form):
    prefix = "lock"
    confirm = forms.BooleanField(label=_("我已知晓：锁定后各部门不能再上传或撤销统计数据，板块得分也不能再导入"),
                                 widget=CHECKBOX)


class PublishForm(forms.Form):
    prefix = "publish"
    confirm = forms.BooleanField(label=_("我已核对排名和等次，确认发布；发布后各单位可以查看本单位的结果"),
                                 widget=CHECKBOX)
    missing_confirmed = forms.BooleanField(label=_("我已核对缺失值清单，缺失项按0分计"), required=False,
                                           widget=CHECKBOX)

    def __init__(self, *args, missing_units: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.missing_units = missing_units
        if missing_units:
            self.fields["missing_confirmed"].required = True
        else:
            del self.fields["missing_confirmed"]


class UnlockForm(forms.Form):
    prefix = "unlock"
    reason = forms.CharField(label=_("解锁原因"), max_length=REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("例如：统计局更正了3个单位的数据。原因记入审计日志。"))


class WithdrawForm(forms.Form):
    prefix = "withdraw"
    reason = forms.CharField(label=_("撤回原因"), max_length=REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("撤回后各单位看不到本周期结果，数据仍保持锁定。原因记入审计日志。"))
