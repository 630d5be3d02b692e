"""Documents users upload (a record's attachment, a rectification's evidence): checked by their content,
never by their name, and kept in private storage under their hash.

``check_attachment`` refuses what is too large, empty or of a kind not allowed; ``store_document`` fills a
``StoredDocument`` row and writes its content. Who may download a document, and the log of it, belong to
the app that owns the document.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from core.models import StoredDocument

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class DocumentKind:
    label: str
    content_type: str
    extension: str


PDF = DocumentKind("PDF", "application/pdf", ".pdf")
JPEG = DocumentKind("JPEG", "image/jpeg", ".jpg")
PNG = DocumentKind("PNG", "image/png", ".png")
DOCX = DocumentKind("Word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx")
XLSX = DocumentKind("Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx")
DOC = DocumentKind("Word 97-2003", "application/msword", ".doc")
XLS = DocumentKind("Excel 97-2003", "application/vnd.ms-excel", ".xls")
ALLOWED_KINDS_TEXT = "PDF、JPG、PNG、Word（.docx/.doc）、Excel（.xlsx/.xls）"


def document_kind(data: bytes) -> DocumentKind | None:
    """What a file is, told by its content and never by its name (a renamed program stays refused)."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
        return None
    if data.startswith(_OLE_MAGIC):
        # An OLE file names its streams (UTF-16) in its directory: Word keeps "WordDocument", Excel "Workbook"
        # (or "Book" before Excel 97); other OLE files (installers, PowerPoint) have neither.
        if "WordDocument".encode("utf-16-le") in data:
            return DOC
        if "Workbook".encode("utf-16-le") in data or "Book\x00".encode("utf-16-le") in data:
            return XLS
    return None


def download_name(attachment: StoredDocument) -> str:
    """The name the file is downloaded under: its own, with the extension its content calls for."""
    name = attachment.original_name or "attachment"
    extension = next((kind.extension for kind in (PDF, JPEG, PNG, DOCX, XLSX, DOC, XLS)
                      if kind.content_type == attachment.content_type), "")
    lowered = name.lower()
    if extension and not (lowered.endswith(extension) or (extension == ".jpg" and lowered.endswith(".jpeg"))):
        name += extension
    return name


def _read_upload(uploaded_file) -> bytes:
    uploaded_file.seek(0)
    return b"".join(uploaded_file.chunks()) if hasattr(uploaded_file, "chunks") else uploaded_file.read()


def attachment_name(uploaded_file, default: str = "") -> str:
    return (uploaded_file.name or "").replace("\\", "/").rsplit("/", 1)[-1].strip() or default or _("附件")


def store_document(document: StoredDocument, uploaded_file, data: bytes, kind: DocumentKind, user,
                   *, default_name: str = "") -> StoredDocument:
    """Fill and save a checked document (``check_attachment``): its name as uploaded, its kind, size and
    hash, and its content in private storage under the hash."""
    digest = hashlib.sha256(data).hexdigest()
    document.original_name = attachment_name(uploaded_file, default_name)[:200]
    document.content_type, document.size, document.sha256 = kind.content_type, len(data), digest
    document.uploaded_by = user if user is not None and user.is_authenticated else None
    document.file.save(f"{digest[:16]}{kind.extension}", ContentFile(data), save=False)
    document.save()
    return document


def _too_large(name: str, size: int) -> ValidationError:
    limit = settings.DOCUMENT_MAX_BYTES
    return ValidationError(_("附件“%(name)s”大小为%(size).1f MB，超过了%(limit)d MB的上限") % {
        "name": name, "size": size / 1024 / 1024, "limit": limit // 1024 // 1024})


def check_attachment(uploaded_file) -> tuple[bytes, DocumentKind]:
    """The file's content and kind, or a ValidationError saying why it is refused (size, then content)."""
    name = attachment_name(uploaded_file)
    limit = settings.DOCUMENT_MAX_BYTES
    # The size the server received is checked before a byte of the file is read into memory.
    if uploaded_file.size is not None and uploaded_file.size > limit:
        raise _too_large(name, uploaded_file.size)
    data = _read_upload(uploaded_file)
    if len(data) > limit:
        raise _too_large(name, len(data))
    if not data:
        raise ValidationError(_("附件“%(name)s”是空文件") % {"name": name})
    kind = document_kind(data)
    if kind is None:
        raise ValidationError(_("附件“%(name)s”的内容不是允许的文件类型（只接受 %(kinds)s；按文件内容判断，不看扩展名）") % {
            "name": name, "kinds": ALLOWED_KINDS_TEXT})
    return data, kind


