"""Every uploaded file is opened by the library for its type before it is accepted.

A PDF is parsed with pypdf: it must open, not need a password, and have at least one page. An image is
opened with Pillow: its pixel count is checked against ``UPLOAD_MAX_PIXELS`` from the header alone (before
anything is decompressed, so a small "decompression bomb" never expands), ``verify()`` checks its structure
and a full ``load()`` decodes every pixel, which catches a truncated file. The extension must name the type
the content really is. Station application documents and site photos, ticket photos and the customer's
signature, inspection photos and rectification evidence all go through here; the messages name the fault.
"""

import io
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DOCUMENT_EXTENSIONS = {".pdf": "PDF", ".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}
IMAGE_EXTENSIONS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}


def _rewound(upload) -> int:
    """Go to the start of the file; returns where the caller was, to seek back to when done."""
    pos = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    return pos


def _content_error(kind: str) -> ValidationError:
    return ValidationError(_("The file's content is not a valid %(type)s file.") % {"type": kind}, code="file_content")


def pdf_check(upload) -> None:
    """Open the PDF with pypdf: readable, not locked by a password, at least one page."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    pos = _rewound(upload)
    try:
        if upload.read(5) != b"%PDF-":
            raise _content_error("PDF")
        upload.seek(0)
        try:
            reader = PdfReader(io.BytesIO(upload.read()), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise FileNotDecryptedError("needs a password")
            pages = len(reader.pages)
        except (FileNotDecryptedError, DependencyError, NotImplementedError):
            raise ValidationError(
                _("The PDF is protected by a password; upload a copy that opens without one."), code="pdf_encrypted"
            ) from None
        except Exception:  # noqa: BLE001 - whatever pypdf cannot parse is not a usable PDF
            raise _content_error("PDF") from None
        if pages == 0:
            raise ValidationError(_("The PDF has no pages."), code="pdf_empty")
    finally:
        upload.seek(pos)


def image_check(upload, *, formats: frozenset[str] | set[str] | None = None) -> str:
    """Open the image with Pillow (size from the header, ``verify()``, then a full decode); return its format.

    ``formats``: the Pillow format names accepted (``{"JPEG", "PNG"}``); any readable image when ``None``.
    """
    from PIL import Image

    limit = settings.UPLOAD_MAX_PIXELS

    def not_an_image() -> ValidationError:
        if formats:
            return _content_error(" / ".join(sorted(formats)))
        return ValidationError(_("This file is not a readable image."), code="file_content")

    pos = _rewound(upload)
    try:
        try:
            with Image.open(upload) as image:
                kind, (width, height) = image.format or "", image.size
                if width * height > limit:
                    raise _too_many_pixels(width, height, limit)
                image.verify()
        except Image.DecompressionBombError:
            raise _too_many_pixels(0, 0, limit) from None
        except ValidationError:
            raise
        except Exception:  # noqa: BLE001 - anything Pillow cannot open or verify is not an image
            raise not_an_image() from None
        if formats and kind not in formats:
            raise not_an_image()
        upload.seek(0)
        try:
            with Image.open(upload) as image:  # verify() leaves the image unusable: open again to decode it
                image.load()
        except Exception:  # noqa: BLE001 - a truncated or corrupt pixel stream
            raise ValidationError(
                _("The image is damaged or incomplete; please take or export it again."), code="image_truncated"
            ) from None
        return kind
    finally:
        upload.seek(pos)


def _too_many_pixels(width: int, height: int, limit: int) -> ValidationError:
    if width and height:
        message = _("The image is too large (%(width)s × %(height)s pixels); at most %(limit)s million pixels.") % {
            "width": width,
            "height": height,
            "limit": limit // 1_000_000,
        }
    else:
        message = _("The image is too large; at most %(limit)s million pixels.") % {"limit": limit // 1_000_000}
    return ValidationError(message, code="image_too_many_pixels")


def validate_upload(upload, *, allowed: dict[str, str] | None = None) -> None:
    """Refuse a file that is too large, has a wrong extension, or that the library for its type cannot open."""
    allowed = allowed or DOCUMENT_EXTENSIONS
    if upload is None:
        raise ValidationError(_("Please choose a file."), code="required")
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": round(upload.size / 1048576, 1), "limit": round(limit / 1048576, 1)},
            code="too_large",
        )
    suffix = PurePath(upload.name or "").suffix.lower()
    names = ", ".join(sorted(set(allowed.values())))
    if suffix not in allowed:
        raise ValidationError(_("Only these file types are accepted: %(types)s.") % {"types": names}, code="file_type")
    kind = allowed[suffix]
    if kind == "PDF":
        pdf_check(upload)
    else:
        image_check(upload, formats={kind})


def validate_document(upload) -> None:
    """A station application's document: PDF, JPEG or PNG."""
    validate_upload(upload, allowed=DOCUMENT_EXTENSIONS)


def validate_photo(upload) -> None:
    """A photo kept as uploaded (site visits, tickets): JPEG or PNG, the extension matching the content."""
    validate_upload(upload, allowed=IMAGE_EXTENSIONS)
