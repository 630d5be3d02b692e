"""The second factor: a TOTP authenticator app, and one-time recovery codes for when the phone is lost.

Every account needs it (GB/T 22239-2019 8.1.4.1 d: two kinds of authentication, one of them
cryptographic). After the password, ``accounts.middleware.AccountGateMiddleware`` keeps a session at the
code form until django-otp has verified one of the user's devices in it; an account without a confirmed
authenticator is taken to enrolment instead. The devices are django-otp's own models; this module only
creates, confirms, verifies and removes them, and writes each of those to the audit log.
"""

from __future__ import annotations

import io
import re

import django_otp
import segno
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit import record_event
from accounts.models import AuditOutcome

AUTHENTICATOR_NAME = "身份验证器"
RECOVERY_CODES_NAME = "恢复码"
RECOVERY_CODE_COUNT = 10
TOTP_CODE = re.compile(r"^\d{6}$")


def second_factor_required(user) -> bool:
    """Every signed-in account needs the second factor, whatever its roles (see docs/security.md)."""
    return bool(user is not None and user.is_authenticated)


def authenticator(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- Enrolment ------------------------------------------------------------------------------

def pending_authenticator(user) -> TOTPDevice:
    """The authenticator being enrolled: its secret is shown until the first code confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def secret_for_typing(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for an app that cannot scan the QR code."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(device: TOTPDevice) -> str:
    return device.config_url


def qr_code_svg(device: TOTPDevice) -> bytes:
    """The otpauth URI as an SVG QR code, drawn here (segno, pure Python): the secret never leaves the server."""
    buffer = io.BytesIO()
    segno.make(provisioning_uri(device), error="m", micro=False).save(
        buffer, kind="svg", scale=5, border=2, xmldecl=False, title=str(_("身份验证器二维码")))
    return buffer.getvalue()


@transaction.atomic
def confirm_enrolment(request, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the pending authenticator with its first code; return the new recovery codes, or None."""
    user = request.user
    if not device.verify_token(token.strip()):
        record_event("auth.second_factor.enrolment_failed", request=request, outcome=AuditOutcome.FAILURE)
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # An older authenticator (if any) goes: one phone per account, the one just scanned.
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = replace_recovery_codes(user)
    _mark_verified(request, device)
    record_event("auth.second_factor.enrolled", request=request, obj=user, recovery_codes=len(codes))
    return codes


def replace_recovery_codes(user) -> list[str]:
    """A fresh set of recovery codes; the old ones stop working. Only their use removes them otherwise."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_CODES_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _index in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


# --- Verification ---------------------------------------------------------------------------

class VerificationResult:
    VERIFIED = "verified"
    WRONG = "wrong"
    THROTTLED = "throttled"


def verify(request, token: str) -> str:
    """Check a code from the authenticator (six digits) or a recovery code, and mark the session verified.

    django-otp throttles each device after a wrong code (the wait doubles each time), so guessing is slow;
    a TOTP code is accepted once only, and a recovery code is deleted when it is used."""
    user = request.user
    token = re.sub(r"\s+", "", token or "").lower()
    is_totp = bool(TOTP_CODE.match(token))
    device = authenticator(user) if is_totp else StaticDevice.objects.filter(user=user, confirmed=True).first()
    kind = "totp" if is_totp else "recovery_code"
    if device is None:
        record_event("auth.second_factor.failed", request=request, outcome=AuditOutcome.FAILURE, kind=kind)
        return VerificationResult.WRONG
    allowed, _detail = device.verify_is_allowed()
    if not allowed:
        record_event("auth.second_factor.failed", request=request, outcome=AuditOutcome.DENIED, kind=kind,
                     reason="throttled")
        return VerificationResult.THROTTLED
    verified = django_otp.verify_token(user, device.persistent_id, token)
    if verified is None:
        record_event("auth.second_factor.failed", request=request, outcome=AuditOutcome.FAILURE, kind=kind)
        return VerificationResult.WRONG
    _mark_verified(request, verified)
    if is_totp:
        record_event("auth.second_factor.verified", request=request, kind=kind)
    else:
        record_event("auth.recovery_code.used", request=request, kind=kind, left=recovery_codes_left(user))
    return VerificationResult.VERIFIED


def _mark_verified(request, device) -> None:
    # A new session key at the step up from password to both factors, as at login (session fixation).
    request.session.cycle_key()
    django_otp.login(request, device)


# --- Reset by the security administrator ----------------------------------------------------

@transaction.atomic
def reset_second_factor(*, actor, user, request=None) -> int:
    """Remove the user's authenticator and recovery codes: the next login goes through enrolment again.

    Sessions the user has open lose their verification at once (django-otp finds no device behind it)."""
    removed = TOTPDevice.objects.filter(user=user).count() + StaticDevice.objects.filter(user=user).count()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    record_event("accounts.second_factor.reset", user=actor, request=request, obj=user, devices=removed)
    return removed


def code_now(device: TOTPDevice) -> tuple[str, int]:
    """What the authenticator app shows now, and for how many more seconds — for the demo's printout and
    the browser tests. A code is accepted once only, so after one was used this is the next step's (which
    the server accepts a step early)."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    while totp.t() <= device.last_t:
        totp.time += device.step
    seconds_left = device.step - int(totp.time - device.t0) % device.step
    return f"{totp.token():0{device.digits}d}", seconds_left
