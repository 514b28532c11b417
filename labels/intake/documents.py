"""Supporting documents checked by content: PDFs that pypdf can open, and clean images."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.utils.translation import gettext_lazy as _
from pypdf import PdfReader

from girrepo.images import sanitize_image

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
PDF_MAGIC = b"%PDF-"
IMAGE_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


@dataclass(frozen=True)
class CheckedDocument:
    file: File
    content_type: str
    extension: str


def _pdf(upload) -> CheckedDocument:
    upload.seek(0)
    try:
        reader = PdfReader(upload, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValidationError(
                _("The PDF is password-protected; upload it without a password."),
                code="pdf_encrypted",
            )
        pages = len(reader.pages)
    except ValidationError:
        raise
    except Exception as exc:  # pypdf raises many types on damaged files; all mean the same
        raise ValidationError(
            _("The PDF cannot be opened (%(detail)s); it may be damaged."),
            code="pdf_unreadable",
            params={"detail": type(exc).__name__},
        ) from exc
    if pages < 1:
        raise ValidationError(_("The PDF has no pages."), code="pdf_empty")
    upload.seek(0)
    return CheckedDocument(file=File(upload), content_type="application/pdf", extension="pdf")


def check_document(upload) -> CheckedDocument:
    """A PDF (``%PDF-`` magic, ≤ 20 MB, opened by pypdf, at least one page) or an image
    re-encoded through ``girrepo.images``; anything else is refused, whatever its name."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            _("The file is %(mb).1f MB; the limit is %(limit)d MB."),
            code="document_too_large",
            params={"mb": size / 1024 / 1024, "limit": MAX_DOCUMENT_BYTES // 1024 // 1024},
        )
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    if head == PDF_MAGIC:
        return _pdf(upload)
    try:
        clean = sanitize_image(upload)
    except ValidationError as exc:
        if exc.code in ("image_too_large", "image_pixels"):
            raise
        raise ValidationError(
            _("Upload a PDF or an image (JPEG, PNG, WebP); this file is neither."),
            code="document_type",
        ) from exc
    ext = clean.image.name.rsplit(".", 1)[-1]
    return CheckedDocument(
        file=ContentFile(clean.image.read()), content_type=IMAGE_TYPES[ext], extension=ext
    )
