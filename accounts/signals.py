"""Authentication events go to the audit log; role groups and the superuser flag are guarded whichever
way they are changed (admin, a shell, a command), not only through the app's own pages."""

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import ValidationError
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver

from accounts.audit import record_event
from accounts.models import AuditOutcome
from accounts.roles import Role, role_combination_problem


@receiver(user_logged_in)
def log_login(sender, request, user, **kwargs):
    from accounts.passwords import start_clock_if_unknown

    record_event("auth.login", user=user, request=request)
    start_clock_if_unknown(user)


@receiver(user_logged_out)
def log_logout(sender, request, user, **kwargs):
    if user is not None:
        record_event("auth.logout", user=user, request=request)


@receiver(user_login_failed)
def log_login_failure(sender, credentials, request=None, **kwargs):
    record_event(
        "auth.login_failed", request=request, outcome=AuditOutcome.FAILURE,
        username=str(credentials.get("username", ""))[:150],
    )


@receiver(user_locked_out)
def log_lockout(sender, request, username=None, ip_address=None, **kwargs):
    record_event("auth.locked_out", request=request, outcome=AuditOutcome.DENIED, username=username or "")


@receiver(m2m_changed, sender=get_user_model().groups.through)
def refuse_conflicting_roles(sender, instance, action, reverse, pk_set, **kwargs):
    """三员分立 holds even for groups added outside accounts.services (admin, a shell)."""
    if action != "pre_add" or reverse or not pk_set:
        return
    names = set(instance.groups.values_list("name", flat=True))
    names |= set(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
    problem = role_combination_problem([role for role in Role if role.value in names])
    if problem:
        raise ValidationError(problem, code="separation_of_duties")


@receiver(post_save, sender=get_user_model())
def start_password_clock_of_new_account(sender, instance, created, raw=False, **kwargs):
    """``create_user`` hashes the password without ``set_password``, so Django's password_changed hook
    (accounts.validators.PasswordAgeValidator) does not see a new account's first password."""
    if created and not raw and instance.has_usable_password():
        from accounts.passwords import record_password_saved

        record_password_saved(instance)


@receiver(post_save, sender=get_user_model())
def log_superuser_outside_break_glass(sender, instance, created, update_fields=None, **kwargs):
    """A superuser that did not come from ``manage.py break_glass`` is logged (and the sweep ends it)."""
    if not instance.is_superuser or getattr(instance, "_break_glass", False):
        return
    if created or update_fields is None or "is_superuser" in update_fields:
        from accounts.break_glass import active_grant

        if instance.pk and active_grant(instance) is None:
            record_event("auth.superuser.outside_break_glass", obj=instance, username=instance.get_username(),
                         outcome=AuditOutcome.DENIED, created=created)
