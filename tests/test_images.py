"""Image uploads: content-checked, bounded, EXIF stripped, thumbnailed."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from girrepo.images import MAX_PIXELS, sanitize_image


def jpeg_with_gps(size=(1200, 800)) -> bytes:
    img = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "DemoCam"  # Make
    exif[0x8825] = {2: (25.0, 2.0, 0.0), 4: (102.0, 43.0, 0.0)}  # GPS IFD
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def test_exif_stripped_and_thumbnail_made():
    raw = jpeg_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif()  # the input does carry EXIF
    clean = sanitize_image(SimpleUploadedFile("field.JPG", raw, content_type="image/jpeg"))
    out = Image.open(io.BytesIO(clean.image.read()))
    assert out.format == "JPEG" and out.size == (1200, 800)
    assert not out.getexif()
    thumb = Image.open(io.BytesIO(clean.thumbnail.read()))
    assert max(thumb.size) == 480
    assert clean.image.name == "field.jpg"


def test_type_checked_by_content_not_extension():
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    with pytest.raises(ValidationError) as exc:
        sanitize_image(fake)
    assert exc.value.code == "image_unreadable"


def test_gif_refused_even_if_named_png():
    buf = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buf, "GIF")
    with pytest.raises(ValidationError) as exc:
        sanitize_image(SimpleUploadedFile("x.png", buf.getvalue()))
    assert exc.value.code == "image_format"


def test_decompression_bomb_refused():
    # A tiny PNG that claims a huge canvas: refused before pixels are decoded.
    side = int(MAX_PIXELS**0.5) + 100
    buf = io.BytesIO()
    Image.new("1", (side, side)).save(buf, "PNG", optimize=True)
    assert len(buf.getvalue()) < 2_000_000
    with pytest.raises(ValidationError) as exc:
        sanitize_image(SimpleUploadedFile("bomb.png", buf.getvalue()))
    assert exc.value.code == "image_pixels"


def test_size_limit():
    big = SimpleUploadedFile("big.jpg", b"0" * (11 * 1024 * 1024))
    with pytest.raises(ValidationError) as exc:
        sanitize_image(big)
    assert exc.value.code == "image_too_large"
