"""Image uploads through Pillow: checked by content, bounded, EXIF stripped, thumbnailed.

Every uploaded photo or mark image goes through :func:`sanitize_image`, so no
file is stored as the client sent it: the stored JPEG/PNG is re-encoded from
pixels, which drops EXIF (GPS positions of a farmer's field included) and any
payload appended to the file.
"""

import io
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # ~ 8000 × 5000; larger images are refused, not resized
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
THUMBNAIL_SIZE = (480, 480)

# Pillow raises DecompressionBombError above twice this; we refuse earlier, by hand.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


@dataclass(frozen=True)
class CleanImage:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def _open(upload) -> Image.Image:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ValidationError(
            _("The image is %(mb).1f MB; the limit is %(limit)d MB."),
            code="image_too_large",
            params={"mb": size / 1024 / 1024, "limit": MAX_BYTES // 1024 // 1024},
        )
    upload.seek(0)
    try:
        img = Image.open(upload)
        fmt = img.format
        if fmt not in ALLOWED_FORMATS:
            raise ValidationError(
                _("This file is %(fmt)s; upload a JPEG, PNG or WebP image."),
                code="image_format",
                params={"fmt": fmt or _("not an image")},
            )
        if img.width * img.height > MAX_PIXELS:
            raise ValidationError(
                _("The image has %(w)d × %(h)d pixels; the limit is %(limit)d megapixels."),
                code="image_pixels",
                params={"w": img.width, "h": img.height, "limit": MAX_PIXELS // 1_000_000},
            )
        img.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as exc:
        if isinstance(exc, Image.DecompressionBombError):
            raise ValidationError(
                _("The image has too many pixels (a decompression bomb)."),
                code="image_pixels",
            ) from exc
        raise ValidationError(
            _("This file is not a readable image (checked by content, not by its name)."),
            code="image_unreadable",
        ) from exc
    img.format_name = fmt  # kept for re-encoding in the same family
    return img


def _encode(img: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG":
        img.convert("RGB").save(buf, "JPEG", quality=88, optimize=True)
    elif fmt == "WEBP":
        img.save(buf, "WEBP", quality=88)
    else:
        img.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def sanitize_image(upload, *, name: str | None = None) -> CleanImage:
    """Validate an uploaded image and return a re-encoded copy and a thumbnail.

    Raises ``ValidationError`` with a message that says what is wrong.
    """
    img = _open(upload)
    fmt = img.format_name
    # Apply the camera's orientation, then drop all metadata by re-encoding pixels.
    img = ImageOps.exif_transpose(img)
    stem = Path(name or getattr(upload, "name", "") or "image").stem[:60] or "image"
    ext = ALLOWED_FORMATS[fmt]
    clean = ContentFile(_encode(img, fmt), name=f"{stem}.{ext}")
    thumb = img.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    thumbnail = ContentFile(_encode(thumb, "JPEG" if fmt == "JPEG" else "PNG"))
    thumbnail.name = f"{stem}.thumb.{'jpg' if fmt == 'JPEG' else 'png'}"
    return CleanImage(image=clean, thumbnail=thumbnail, width=img.width, height=img.height)
