"""Writing the audit log. Services call ``record_event`` in the same transaction as the change."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import AuditEvent, AuditOutcome


def client_address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # REMOTE_ADDR is the proxy in production; the proxy is configured to overwrite it (see README).
    return request.META.get("REMOTE_ADDR") or None


def record_event(
    action: str,
    *,
    user=None,
    request: HttpRequest | None = None,
    obj=None,
    outcome: str = AuditOutcome.SUCCESS,
    username: str = "",
    **detail,
) -> AuditEvent:
    if user is None and request is not None and request.user.is_authenticated:
        user = request.user
    return AuditEvent.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        username=username or (user.get_username() if user is not None and user.is_authenticated else ""),
        ip_address=client_address(request),
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        outcome=outcome,
        detail=detail,
    )
