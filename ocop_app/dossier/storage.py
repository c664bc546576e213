"""Safe storage of uploaded files.

Files live under ``UPLOAD_FOLDER`` (default ``instance/uploads``, never under
``static/``) with a generated name; the user's file name is kept only in the
database, for the download. The type is decided by the content (magic bytes,
via the ``filetype`` library, plus a look inside the zip for DOCX/XLSX), and
must agree with the name's extension: a ``.pdf`` that is really HTML is
refused. The size limit is ``UPLOAD_MAX_BYTES`` (default 20 MB).
"""

from __future__ import annotations

import hashlib
import io
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import filetype
from flask import current_app
from flask_babel import lazy_gettext as _l

#: Allowed extension → (MIME type, how the content is recognised).
ALLOWED = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: The part a genuine Office Open XML file of each kind must contain.
_OOXML_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


class UploadRefused(ValueError):
    """The file is not acceptable; ``message`` says why, for the user (HTTP 422)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed :func:`check_upload`."""

    original_name: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


def upload_folder() -> Path:
    """The folder holding stored files (created on first use)."""
    folder = Path(current_app.config.get("UPLOAD_FOLDER") or Path(current_app.instance_path) / "uploads")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def max_bytes() -> int:
    return int(current_app.config.get("UPLOAD_MAX_BYTES", 20 * 1024 * 1024))


def clean_name(raw: str | None) -> str:
    """The user's file name, NFC-normalised and checked.

    :raises UploadRefused: empty, or with folder parts (``../../x.pdf``, ``a/b.pdf``, ``C:\\x.pdf``, ``.hidden``),
        control characters, or longer than 200 characters.
    """
    name = unicodedata.normalize("NFC", (raw or "").strip())
    if not name:
        raise UploadRefused(_l("Choose a file to upload."))
    if "/" in name or "\\" in name or name.startswith("."):
        raise UploadRefused(_l("The file name must be a plain name without folders (e.g. giay-chung-nhan.pdf)."))
    if any(unicodedata.category(ch).startswith("C") for ch in name) or len(name) > 200:
        raise UploadRefused(_l("The file name contains characters that are not allowed or is too long."))
    return name


def _kind_of(data: bytes) -> str | None:
    """The extension family the content really is: pdf, jpg, png, docx, xlsx, or None."""
    guess = filetype.guess(data[:8192])
    mime = guess.mime if guess else None
    if mime == "application/pdf":
        return "pdf"
    if mime == "image/jpeg":
        return "jpg"
    if mime == "image/png":
        return "png"
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names:
            for ext, part in _OOXML_PART.items():
                if part in names:
                    return ext
    return None


def check_upload(storage) -> CheckedFile:
    """Read and check one uploaded file (a werkzeug ``FileStorage``).

    :returns: the file's cleaned name, MIME type and bytes.
    :raises UploadRefused: no file, a bad name, over the size limit, an extension not in
        PDF/JPEG/PNG/DOCX/XLSX, or content that is not what the extension says.
    """
    if storage is None or not getattr(storage, "filename", None):
        raise UploadRefused(_l("Choose a file to upload."))
    name = clean_name(storage.filename)
    limit = max_bytes()
    data = storage.stream.read(limit + 1)
    if len(data) > limit:
        raise UploadRefused(_l("The file is larger than %(mb)s MB. Reduce it (e.g. scan at a lower resolution) "
                               "and upload it again.", mb=limit // (1024 * 1024)))
    if not data:
        raise UploadRefused(_l("The file is empty."))
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED:
        raise UploadRefused(_l("Only PDF, JPEG, PNG, DOCX and XLSX files are accepted."))
    real = _kind_of(data)
    if real is None or (real != ext and not (real == "jpg" and ext == "jpeg")):
        raise UploadRefused(_l("The content of “%(name)s” is not a real %(ext)s file. Upload the original document.",
                               name=name, ext=ext.upper()))
    return CheckedFile(original_name=name, content_type=ALLOWED[ext], data=data)


def save(checked: CheckedFile) -> tuple[str, str]:
    """Write the file under a generated name; return ``(stored_name, sha256 hex)``."""
    ext = checked.original_name.rsplit(".", 1)[-1].lower()
    stored_name = f"{secrets.token_hex(16)}.{ext}"
    path = upload_folder() / stored_name
    with open(path, "xb") as fh:
        fh.write(checked.data)
    return stored_name, hashlib.sha256(checked.data).hexdigest()


def path_of(stored_name: str) -> Path:
    """Absolute path of a stored file (the name is ours, generated; still confined to the folder)."""
    folder = upload_folder().resolve()
    path = (folder / stored_name).resolve()
    if path.parent != folder:
        raise FileNotFoundError(stored_name)
    return path
