from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Clearance, UserProfile
from accounts.roles import Role

# The units a profile may name, as its own fields point at them (the registry sits on the floor above).
_UNITS = UserProfile._meta.get_field("unit").related_model.objects


class CodeForm(forms.Form):
    token = forms.CharField(
        label=_("验证码"), max_length=32, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "class": "form-control",
                                      "spellcheck": "false"}),
    )


class RoleAssignmentForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("角色"), choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple,
    )
    unit = forms.ModelChoiceField(
        label=_("所属被考核单位"), queryset=_UNITS.order_by("code"), required=False,
        help_text=_("被考核单位用户只能看到本单位"), widget=forms.Select(attrs={"class": "form-select"}),
    )
    # Departments are the units of kind "department" (cadres.models.UnitKind.DEPARTMENT).
    department = forms.ModelChoiceField(
        label=_("填报部门"), queryset=_UNITS.filter(kind="department").order_by("code"), required=False,
        help_text=_("职能部门填报员只能填报本部门提供的指标"), widget=forms.Select(attrs={"class": "form-select"}),
    )
    clearance = forms.TypedChoiceField(
        label=_("涉密权限"), choices=Clearance.choices, coerce=int, initial=Clearance.SENSITIVE,
        required=False, empty_value=None,  # left out: the user's clearance stays as it is
        help_text=_("可查看的监督记录最高密级；“核心”只授予确需知悉的人员"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def clean(self):
        cleaned = super().clean()
        roles = [Role(value) for value in cleaned.get("roles", [])]
        # 三员分立 is checked (and a refusal logged) by accounts.services.user_change_roles.
        cleaned["roles"] = roles
        if Role.UNIT_VIEWER in roles and not cleaned.get("unit"):
            self.add_error("unit", _("被考核单位用户须选择所属单位"))
        if Role.DATA_PROVIDER in roles and not cleaned.get("department"):
            self.add_error("department", _("职能部门填报员须选择填报部门"))
        return cleaned
