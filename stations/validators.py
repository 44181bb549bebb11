"""Upload checks for applicants' documents: size, extension and the file's real content."""

from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DOCUMENT_EXTENSIONS = {".pdf": "PDF", ".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}
IMAGE_EXTENSIONS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}


def _sniff(upload) -> str:
    """The file's real type from its bytes: PDF by magic number, images by Pillow."""
    pos = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        return "PDF"
    try:
        from PIL import Image

        with Image.open(upload) as image:
            image.verify()
            kind = image.format or ""
    except Exception:  # noqa: BLE001 - anything Pillow cannot read is not an image
        kind = ""
    finally:
        upload.seek(pos if pos else 0)
    return kind


def validate_upload(upload, *, allowed: dict[str, str] | None = None) -> None:
    """Refuse a file that is too large, has a wrong extension, or whose content does not match."""
    allowed = allowed or DOCUMENT_EXTENSIONS
    if upload is None:
        raise ValidationError(_("Please choose a file."), code="required")
    limit = getattr(settings, "UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
    if upload.size > limit:
        raise ValidationError(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": round(upload.size / 1048576, 1), "limit": round(limit / 1048576, 1)},
            code="too_large",
        )
    suffix = PurePath(upload.name or "").suffix.lower()
    names = ", ".join(sorted({v for v in allowed.values()}))
    if suffix not in allowed:
        raise ValidationError(_("Only these file types are accepted: %(types)s.") % {"types": names}, code="file_type")
    if _sniff(upload) != allowed[suffix]:
        raise ValidationError(
            _("The file's content is not a valid %(type)s file.") % {"type": allowed[suffix]}, code="file_content"
        )


def validate_document(upload) -> None:
    validate_upload(upload, allowed=DOCUMENT_EXTENSIONS)


def validate_photo(upload) -> None:
    validate_upload(upload, allowed=IMAGE_EXTENSIONS)
