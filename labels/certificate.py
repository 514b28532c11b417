"""The QR code that points to an authorization's verification page, and the
printable certificate (核准证书) that carries it.

The certificate is rendered by WeasyPrint with the system Noto CJK fonts, which
WeasyPrint embeds as subsets, so the PDF shows the same glyphs everywhere,
including names outside the BMP such as 𥔲嘉镇. Rendering never touches the
network: the URL fetcher allows ``data:`` URIs and our own static files only.
"""

import datetime as dt
import io
import mimetypes
from pathlib import Path

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .choices import AuthorizationStatus
from .compliance import authorization_effective_status
from .models import Authorization

# Level Q restores the code with up to 25 % of it damaged: creased packaging,
# smudged ink, a logo printed over the middle.
QR_ERROR = "q"
# The quiet zone the QR standard requires around the symbol, in modules.
QR_BORDER = 4
# Certificates link our static files with this scheme (``girrepo-static:girrepo/img/…``);
# the fetcher serves them from the staticfiles finders, never from a server.
STATIC_ORIGIN = "girrepo-static:"

# The certificate is a bilingual document whatever the reader's language.
STATUS_WORDS = {
    AuthorizationStatus.VALID: ("有效", "Valid"),
    AuthorizationStatus.SUSPENDED: ("暂停使用", "Suspended"),
    AuthorizationStatus.CANCELLED: ("已注销", "Cancelled"),
    AuthorizationStatus.EXPIRED: ("已过期", "Expired"),
}


def verify_url(*, number: str, request: HttpRequest | None = None) -> str:
    """The absolute address of the verification page: under
    ``settings.GIRREPO_PUBLIC_BASE_URL`` when set (the address printed on
    packaging must not depend on which host rendered it), else the request's."""
    path = reverse("labels:verify_detail", kwargs={"number": number})
    base = getattr(settings, "GIRREPO_PUBLIC_BASE_URL", "")
    if base:
        return base.rstrip("/") + path
    if request is None:
        raise ImproperlyConfigured("Set GIRREPO_PUBLIC_BASE_URL to build URLs without a request.")
    return request.build_absolute_uri(path)


def make_qr(url: str) -> segno.QRCode:
    # boost_error=False keeps the level stated above, so a printer knows what it gets.
    return segno.make(url, error=QR_ERROR, micro=False, boost_error=False)


def qr_svg(url: str, *, scale: int = 4) -> bytes:
    """A standalone SVG, white background and quiet zone included, ready for packaging."""
    out = io.BytesIO()
    make_qr(url).save(
        out, kind="svg", scale=scale, border=QR_BORDER, dark="#000", light="#fff", title=url
    )
    return out.getvalue()


def qr_png(url: str, *, scale: int = 10) -> bytes:
    out = io.BytesIO()
    make_qr(url).save(out, kind="png", scale=scale, border=QR_BORDER, dark="#000", light="#fff")
    return out.getvalue()


class CertificateURLFetcher(URLFetcher):
    """Fetch ``data:`` URIs and our own static files; refuse everything else
    (http, https, ftp, file…), so a certificate never reaches the network."""

    def __init__(self):
        super().__init__(allowed_protocols=("data",))

    def fetch(self, url: str, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith(STATIC_ORIGIN):
            relative = url[len(STATIC_ORIGIN) :].split("?")[0].split("#")[0]
            found = finders.find(relative) if ".." not in relative else None
            if found:
                content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
                return URLFetcherResponse(
                    url, Path(found).read_bytes(), headers={"Content-Type": content_type}
                )
        raise ValueError(f"The certificate fetches nothing from {url}")


def certificate_context(*, authorization: Authorization, url: str, today=None) -> dict:
    today = today or timezone.localdate()
    status = authorization_effective_status(authorization=authorization, today=today)
    return {
        "authorization": authorization,
        "producer": authorization.producer,
        "status": status,
        "status_words": STATUS_WORDS[status],
        "is_valid": status == AuthorizationStatus.VALID,
        "is_demo": authorization.producer.is_demo,
        "verify_url": url,
        "qr_svg": make_qr(url).svg_data_uri(scale=4, border=QR_BORDER, dark="#000", light="#fff"),
        "printed": today,
        "static_origin": STATIC_ORIGIN,
    }


def render_certificate(
    *, authorization: Authorization, url: str, today: dt.date | None = None
) -> bytes:
    """The certificate as PDF bytes (A4, Chinese with English subtitles)."""
    # Dates and numbers in the document follow the Chinese certificate format.
    with override("zh-hans"):
        html = render_to_string(
            "labels/certificate.html",
            certificate_context(authorization=authorization, url=url, today=today),
        )
    document = HTML(string=html, url_fetcher=CertificateURLFetcher())
    return document.write_pdf()
