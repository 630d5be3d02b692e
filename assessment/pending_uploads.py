"""Uploaded files waiting for the user's confirmation between the preview and the commit.

The file goes to private storage (outside the web root) and only its token goes into the user's
session, so a confirmation can only commit a file that this user uploaded and saw checked.
"""

from __future__ import annotations

import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.text import get_valid_filename

_SESSION_KEY = "pending_uploads"


def keep(request, kind: str, data: bytes, filename: str) -> str:
    token = secrets.token_urlsafe(16)
    safe_name = get_valid_filename(filename.rsplit("/", 1)[-1]) or "upload"
    path = default_storage.save(f"uploads/{kind}/{timezone.now():%Y%m}/{token}-{safe_name}", ContentFile(data))
    pending = request.session.get(_SESSION_KEY, {})
    pending[token] = {"kind": kind, "path": path, "filename": filename}
    request.session[_SESSION_KEY] = pending
    return token


def take(request, kind: str, token: str) -> tuple[bytes, str] | None:
    """The pending file for this token, once; None when unknown, of another kind or gone."""
    pending = request.session.get(_SESSION_KEY, {})
    entry = pending.pop(token, None)
    request.session[_SESSION_KEY] = pending
    if not entry or entry["kind"] != kind or not default_storage.exists(entry["path"]):
        return None
    with default_storage.open(entry["path"], "rb") as handle:
        return handle.read(), entry["filename"]
