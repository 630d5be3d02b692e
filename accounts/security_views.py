"""The security administrator's pages: users and their roles, unlocking, resetting a second factor.

Users themselves are created and deactivated by the system administrator in Django admin; roles are
assigned only here (三员分立). Every change is written to the audit log by accounts.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor
from accounts.access import capability_required
from accounts.forms import RoleAssignmentForm
from accounts.models import Clearance, UserProfile
from accounts.roles import Capability, Role
from accounts.services import account_unlock, locked_usernames, roles_held, user_change_roles

PAGE_SIZE = 25


def user_list_queryset():
    from django.contrib.auth.models import Group

    return (get_user_model().objects.select_related("profile")
            .prefetch_related(Prefetch("groups", queryset=Group.objects.order_by("name")))
            .annotate(has_authenticator=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))
            .order_by("username"))


@capability_required(Capability.MANAGE_ROLES)
def user_list(request):
    users = user_list_queryset()
    q = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    status = request.GET.get("status", "")
    if q:
        users = users.filter(Q(username__icontains=q) | Q(profile__full_name__icontains=q))
    if role in Role.values:
        users = users.filter(groups__name=role)
    elif role == "none":
        users = users.filter(groups__isnull=True)
    if status == "active":
        users = users.filter(is_active=True)
    elif status == "inactive":
        users = users.filter(is_active=False)
    elif status == "locked":
        users = users.filter(username__in=locked_usernames())
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    locked = locked_usernames([user.username for user in page.object_list])
    rows = [{"user": user, "roles": [Role(group.name).label for group in user.groups.all() if group.name in Role.values],
             "locked": user.username in locked} for user in page.object_list]
    return render(request, "accounts/user_list.html", {
        "page": page, "rows": rows, "q": q, "role": role, "status": status, "roles": Role.choices,
        "filtered": bool(q or role or status),
    })


@capability_required(Capability.MANAGE_ROLES)
def user_detail(request, user_pk: int):
    user = get_object_or_404(get_user_model(), pk=user_pk)
    profile = UserProfile.objects.filter(user=user).select_related("unit", "department").first()
    initial = {"roles": [role.value for role in roles_held(user)],
               "unit": profile.unit if profile else None, "department": profile.department if profile else None,
               "clearance": profile.clearance if profile else Clearance.SENSITIVE}
    form = RoleAssignmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user_change_roles(actor=request.user, user=user, roles=form.cleaned_data["roles"],
                              unit=form.cleaned_data["unit"], department=form.cleaned_data["department"],
                              clearance=form.cleaned_data["clearance"], request=request)
        except ValidationError as refusal:
            form.add_error(None, refusal)
        else:
            messages.success(request, _("已保存%(user)s的角色。") % {"user": user.get_username()})
            return redirect("accounts:user_detail", user_pk=user.pk)
    return render(request, "accounts/user_detail.html", {
        "account": user, "profile": profile, "form": form, "is_self": user.pk == request.user.pk,
        "locked": user.get_username() in locked_usernames([user.get_username()]),
        "authenticator": second_factor.authenticator(user),
        "recovery_codes_left": second_factor.recovery_codes_left(user),
        "role_labels": [role.label for role in roles_held(user)],
    })


@require_POST
@capability_required(Capability.UNLOCK_ACCOUNTS)
def user_unlock(request, user_pk: int):
    user = get_object_or_404(get_user_model(), pk=user_pk)
    account_unlock(actor=request.user, user=user, request=request)
    messages.success(request, _("已解锁%(user)s，可以立即重新登录。") % {"user": user.get_username()})
    return redirect("accounts:user_detail", user_pk=user.pk)


@require_POST
@capability_required(Capability.RESET_SECOND_FACTOR)
def user_reset_second_factor(request, user_pk: int):
    user = get_object_or_404(get_user_model(), pk=user_pk)
    if user.pk == request.user.pk:
        messages.error(request, _("不能重置自己的双因素认证，请由另一位安全管理员操作。"))
    else:
        second_factor.reset_second_factor(actor=request.user, user=user, request=request)
        messages.success(request, _("已重置%(user)s的双因素认证：该用户下次登录时须重新绑定身份验证器。")
                         % {"user": user.get_username()})
    return redirect("accounts:user_detail", user_pk=user.pk)
