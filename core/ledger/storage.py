"""Attachment files of ledger records: checked (size, extension AND content), stored
outside the web root under generated names, read back only through a download view."""
from __future__ import annotations

import io
import os
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext

from core.formatting import sep

#: Magic bytes per extension family. Office zip formats are also opened to check the
#: part that makes them a Word or Excel file (a renamed .zip is not a .docx).
_PDF = b"%PDF-"
_PNG = b"\x89PNG\r\n\x1a\n"
_JPG = b"\xff\xd8\xff"
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc/.xls

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "txt": "text/plain",
}
_OFFICE_PART = {"docx": "word/", "xlsx": "xl/"}


class UploadRefused(ValueError):
    """The file may not be attached; the message says why, for the user."""


@dataclass(frozen=True)
class CheckedFile:
    original_name: str
    extension: str
    content_type: str
    size: int


def extension_of(filename: str) -> str:
    name = (filename or "").strip()
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _content_matches(ext: str, data: bytes) -> bool:
    if ext == "pdf":
        return data.startswith(_PDF)
    if ext == "png":
        return data.startswith(_PNG)
    if ext in ("jpg", "jpeg"):
        return data.startswith(_JPG)
    if ext in ("doc", "xls"):
        return data.startswith(_OLE)
    if ext in _OFFICE_PART:
        if not data.startswith(_ZIP):
            return False
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = zf.namelist()
        except zipfile.BadZipFile:
            return False
        return "[Content_Types].xml" in names and any(n.startswith(_OFFICE_PART[ext]) for n in names)
    if ext == "txt":
        if b"\x00" in data:
            return False
        for encoding in ("utf-8", "gb18030"):
            try:
                data.decode(encoding)
                return True
            except UnicodeDecodeError:
                continue
        return False
    return False  # an allowed extension we cannot sniff is refused, not trusted


def clean_file_name(filename: str) -> str:
    """The name a file is kept and offered under: its last path part, NFC, without
    control or format characters (CR, LF, NUL, bidi overrides) that would break a
    Content-Disposition header or disguise an extension."""
    name = os.path.basename((filename or "").replace("\\", "/"))
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf"))
    return name.strip()


def download_response(path: Path, name: str, content_type: str | None = None):
    """Send a stored file as a download (never inline): the name cleaned again (rows
    stored before names were cleaned), RFC 6266 with an ASCII fallback (werkzeug),
    nosniff, and a sandbox policy in case a browser renders it anyway."""
    from flask import send_file

    download_name = clean_file_name(name) or path.name
    # werkzeug appends "; charset=utf-8" to text/* itself: pass the bare type (rows stored
    # earlier carry the parameter) so the header does not name a charset twice.
    mimetype = content_type.split(";", 1)[0].strip() if content_type else None
    response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=download_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def check_upload(filename: str, data: bytes, *, max_bytes: int, extensions) -> CheckedFile:
    """Refuse an empty, too large, forbidden or disguised file; else describe it."""
    name = clean_file_name(filename)
    if not name:
        raise UploadRefused(gettext("请选择要上传的文件。"))
    if len(name) > 200:
        raise UploadRefused(gettext("文件名过长（最多 200 个字符）。"))
    ext = extension_of(name)
    allowed = [e.lower() for e in extensions]
    if ext not in allowed:
        raise UploadRefused(gettext("不允许上传该类型的文件（.%(ext)s）；允许的类型：%(allowed)s。",
                                    ext=ext or gettext("无扩展名"), allowed=sep("list").join(allowed)))
    if not data:
        raise UploadRefused(gettext("文件为空。"))
    if len(data) > max_bytes:
        raise UploadRefused(gettext("文件过大：%(size)s，单个附件最大 %(limit)s。", size=_human(len(data)), limit=_human(max_bytes)))
    if not _content_matches(ext, data):
        raise UploadRefused(gettext("文件内容与扩展名 .%(ext)s 不符，已拒绝（请上传真实的 %(ext_upper)s 文件）。",
                                    ext=ext, ext_upper=ext.upper()))
    return CheckedFile(name, ext, CONTENT_TYPES.get(ext, "application/octet-stream"), len(data))


def _human(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} B"


def new_stored_name(ext: str) -> str:
    """A random name that reveals nothing and cannot be guessed."""
    return f"{secrets.token_hex(16)}.{ext}"


def _path(upload_dir, stored_name: str) -> Path:
    # stored names are ours (hex + extension), but never trust a path component
    if "/" in stored_name or "\\" in stored_name or stored_name.startswith("."):
        raise ValueError("invalid stored name")
    return Path(upload_dir) / stored_name


class StorageFailed(UploadRefused):
    """The disk refused the file (full, read-only, no permission); nothing was kept."""


def write_file(upload_dir, stored_name: str, data: bytes) -> Path:
    """Write a new file (never overwrite). If the disk refuses it (full, read-only), the
    partial file is removed and StorageFailed says so; the caller's row is rolled back
    with it, so no row points at a missing file."""
    path = _path(upload_dir, stored_name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise StorageFailed(gettext("文件无法保存（%(why)s），未保存任何内容，请联系系统管理员。",
                                    why=exc.strerror or type(exc).__name__)) from None
    return path


def file_path(upload_dir, stored_name: str) -> Path:
    return _path(upload_dir, stored_name)


def remove_file(upload_dir, stored_name: str) -> None:
    try:
        _path(upload_dir, stored_name).unlink()
    except FileNotFoundError:
        pass
