"""The printable certificate: a PDF in Chinese with embedded CJK fonts, its QR code
and verification address, rendered without any network access.

Authorizations are made with the model (see tests/test_verify.py).
"""

import io

import pypdf
import pytest
from django.urls import reverse
from weasyprint.urls import URLFetchingError, fetch

from labels.certificate import STATIC_ORIGIN, CertificateURLFetcher, render_certificate
from labels.choices import AuthorizationStatus

from .test_verify import demo_producer, make_authorization, xuanwei_ham

pytestmark = pytest.mark.django_db

TITLE = "地理标志专用标志使用核准证书"


@pytest.fixture
def authorization():
    return make_authorization(producer=demo_producer(1), product=xuanwei_ham())


def pdf_of(response) -> pypdf.PdfReader:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(response.content))


def text_of(reader: pypdf.PdfReader) -> str:
    return "".join(page.extract_text() for page in reader.pages)


def fonts_of(reader: pypdf.PdfReader) -> list[tuple[str, dict]]:
    """(base font name, font descriptor) of every font the pages use."""
    found = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            else:
                descriptor = font["/FontDescriptor"]
            found.append((str(font["/BaseFont"]), descriptor.get_object()))
    return found


def certificate_url(number: str) -> str:
    return reverse("labels:verify_certificate", kwargs={"number": number})


def test_certificate_pdf_carries_the_authorization(client, authorization):
    reader = pdf_of(client.get(certificate_url(authorization.number)))
    assert len(reader.pages) == 1
    text = text_of(reader)
    assert TITLE in text
    assert "Certificate of Authorization" in text
    assert authorization.number in text
    assert authorization.producer.name in text
    assert authorization.credit_code in text
    assert "宣威火腿" in text and "GB/T 18357-2008" in text
    assert f"http://testserver/verify/{authorization.number}/" in text
    assert "有效" in text


def test_cjk_fonts_are_embedded(client, authorization):
    fonts = fonts_of(pdf_of(client.get(certificate_url(authorization.number))))
    assert fonts
    assert any("CJK" in name for name, _ in fonts)
    for name, descriptor in fonts:
        embedded = {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.keys())
        assert embedded, f"{name} is not embedded"
    # Subsets (ABCDEF+Name), not whole fonts of tens of megabytes.
    assert all("+" in name for name, _ in fonts)


def test_not_valid_authorizations_say_so_on_the_certificate(client, authorization):
    authorization.status = AuthorizationStatus.CANCELLED
    authorization.save()
    text = text_of(pdf_of(client.get(certificate_url(authorization.number))))
    assert "已注销" in text and "CANCELLED" in text
    assert "does not prove a current right" in text


def test_demo_holders_are_marked(client, authorization):
    assert authorization.producer.is_demo
    text = text_of(pdf_of(client.get(certificate_url(authorization.number))))
    assert "演示数据" in text


def test_no_certificate_for_an_unknown_number(client):
    assert client.get(certificate_url("YN-GI-2031-99999")).status_code == 404


def test_render_uses_the_given_address(authorization):
    url = f"https://label.example.cn/verify/{authorization.number}/"
    pdf = render_certificate(authorization=authorization, url=url)
    assert url in text_of(pypdf.PdfReader(io.BytesIO(pdf)))


class TestUrlFetcher:
    """Rendering never reaches the network: data: URIs and our static files only."""

    @pytest.mark.parametrize(
        "url",
        [
            "https://example.com/logo.png",
            "http://127.0.0.1:8000/static/girrepo/img/favicon.svg",
            "file:///etc/passwd",
            "ftp://example.com/x",
            f"{STATIC_ORIGIN}../../settings/base.py",
            f"{STATIC_ORIGIN}girrepo/img/no-such-file.svg",
        ],
    )
    def test_refuses(self, url):
        with pytest.raises(URLFetchingError), fetch(CertificateURLFetcher(), url):
            pass

    def test_allows_data_uris(self):
        with fetch(CertificateURLFetcher(), "data:text/plain;charset=utf-8,ok") as response:
            assert response.read() == b"ok"

    def test_serves_our_static_files(self):
        with fetch(CertificateURLFetcher(), f"{STATIC_ORIGIN}girrepo/img/favicon.svg") as response:
            assert response.content_type == "image/svg+xml"
            assert b"<svg" in response.read()
