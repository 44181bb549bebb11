"""Photos for checklist items and rectification evidence: size-limited, re-encoded, scaled down."""

import io
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from repairnet.uploads import image_check


def photo_prepare(upload) -> ContentFile:
    """Check an uploaded image (``repairnet.uploads.image_check``) and return it re-encoded as JPEG, longest
    edge ≤ settings.PHOTO_MAX_EDGE.

    Re-encoding drops EXIF (GPS and the like) and anything that is not pixels.
    """
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    if size > settings.PHOTO_MAX_BYTES:
        raise ValidationError(
            _("The photo is too large (at most %(mb)s MB).") % {"mb": settings.PHOTO_MAX_BYTES // (1024 * 1024)},
            code="photo_too_large",
        )
    image_check(upload)  # opened, verified and decoded in full, its pixel count bounded, before anything else
    try:
        upload.seek(0)
        image = Image.open(upload)
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValidationError(_("This file is not a readable image."), code="photo_invalid") from exc
    image = ImageOps.exif_transpose(image)
    if image.mode != "RGB":
        image = image.convert("RGB")
    edge = settings.PHOTO_MAX_EDGE
    image.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")
