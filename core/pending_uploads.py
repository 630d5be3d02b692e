"""Uploaded files waiting for the user's confirmation between the preview and the commit.

The file goes to private storage (outside the web root) and only its token goes into the user's
session, so a confirmation can only commit a file that this user uploaded and saw checked. Choices
made with the upload (a scheme's name and year, say) can be kept with it as ``details``, so the
commit uses exactly what the preview was computed for.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.text import get_valid_filename

_SESSION_KEY = "pending_uploads"


@dataclass(frozen=True)
class PendingUpload:
    data: bytes
    filename: str
    details: dict = field(default_factory=dict)


def keep(request, kind: str, data: bytes, filename: str, *, details: dict | None = None) -> str:
    """Store the file and return its token; ``details`` must be JSON-serialisable (it goes into the session)."""
    token = secrets.token_urlsafe(16)
    safe_name = get_valid_filename(filename.rsplit("/", 1)[-1]) or "upload"
    path = default_storage.save(f"uploads/{kind}/{timezone.now():%Y%m}/{token}-{safe_name}", ContentFile(data))
    pending = request.session.get(_SESSION_KEY, {})
    pending[token] = {"kind": kind, "path": path, "filename": filename, "details": details or {}}
    request.session[_SESSION_KEY] = pending
    return token


def take_upload(request, kind: str, token: str) -> PendingUpload | None:
    """The pending file for this token with its details, once; None when unknown, of another kind or gone."""
    pending = request.session.get(_SESSION_KEY, {})
    entry = pending.pop(token, None)
    request.session[_SESSION_KEY] = pending
    if not entry or entry["kind"] != kind or not default_storage.exists(entry["path"]):
        return None
    with default_storage.open(entry["path"], "rb") as handle:
        return PendingUpload(handle.read(), entry["filename"], entry.get("details") or {})


def take(request, kind: str, token: str) -> tuple[bytes, str] | None:
    """The pending file for this token, once; None when unknown, of another kind or gone."""
    upload = take_upload(request, kind, token)
    return (upload.data, upload.filename) if upload else None
