"""Builders for the special-label tests: real regions, a real product area, fictional actors.

宣威火腿's protected area is 宣威市 (530381) and its standard GB/T 18357-2008
(DATA.md). Producers, users and documents here are invented for the tests.
"""

import io
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

from accounts.models import ProducerAccount, StaffAssignment
from girrepo.validators import make_credit_code
from labels import intake, services
from labels.choices import REQUIRED_DOCUMENTS, ApplicationStatus
from producers.choices import ProducerKind
from producers.models import Producer
from producers.services import producer_save
from products.models import Category, GIProduct, StandardReference
from products.services import product_save, product_set_area
from regions.models import Region

XUANWEI = "530381"  # 宣威市, in 曲靖市 530300
LULIANG = "530322"  # 陆良县, also in 曲靖市
QUJING = "530300"
CHUXIONG = "532300"  # 楚雄州: another prefecture
PROVINCE = "530000"
XUANWEI_POINT = (104.104, 26.219)  # 宣威 city, well inside the county
LULIANG_POINT = (103.666, 25.030)
HAM_STANDARD = "GB/T 18357-2008"
PASSWORD = "test-pass-123"


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def ham_product(name: str = "宣威火腿") -> GIProduct:
    category, _ = Category.objects.get_or_create(slug="test-cat", defaults={"name": "测试类别"})
    product = product_save(
        product=GIProduct(name=name, register="gi_product", authority="aqsiq", category=category)
    )
    product = product_set_area(product=product, units=[region(XUANWEI)], area_text="", unmatched=[])
    StandardReference.objects.create(product=product, code=HAM_STANDARD)
    return product


def make_producer(name: str, county: str, stem: str, *, point=None) -> Producer:
    """A fictional producer located in ``county`` (stem: 17 characters of a credit code)."""
    lon, lat = point or region(county).label_point.coords
    return producer_save(
        producer=Producer(
            name=name,
            credit_code=make_credit_code(stem),
            kind=ProducerKind.ENTERPRISE,
            is_demo=True,
        ),
        longitude=lon,
        latitude=lat,
    )


def make_user(username: str, *, staff_of: str | None = None, producer=None, email=True):
    user = get_user_model().objects.create_user(
        username=username,
        password=PASSWORD,
        email=f"{username}@example.test" if email else "",
    )
    if staff_of:
        StaffAssignment.objects.create(user=user, region=region(staff_of))
    if producer is not None:
        ProducerAccount.objects.create(user=user, producer=producer)
    return user


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def pdf_upload(name: str = "report.pdf", pages: int = 1) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(pages), content_type="application/pdf")


def png_upload(name: str = "photo.png", size=(40, 30)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, (30, 120, 60)).save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def site_point(lon: float = XUANWEI_POINT[0], lat: float = XUANWEI_POINT[1]):
    return Point(lon, lat, srid=4326)


def draft(actor, producer, product, *, with_site=True, documents=REQUIRED_DOCUMENTS, point=None):
    application = intake.application_create(
        actor=actor, producer=producer, product=product, varieties="", annual_output=120
    )
    if with_site:
        intake.application_add_site(
            actor=actor,
            application=application,
            geometry=site_point(*(point or XUANWEI_POINT)),
            name="一号车间",
        )
    for kind in documents:
        intake.application_add_document(
            actor=actor, application=application, kind=kind, upload=pdf_upload()
        )
    return application


def advance(application, *, to: str, applicant, county, prefecture, province, today=None):
    """Move ``application`` through the real services up to status ``to``."""
    S = ApplicationStatus
    path = [
        (S.SUBMITTED, lambda a: services.application_submit(actor=applicant, application=a)),
        (
            S.COUNTY_REVIEW,
            lambda a: services.application_accept(actor=county, application=a, today=today),
        ),
        (
            S.PREFECTURE_REVIEW,
            lambda a: (
                services.application_record_onsite_check(
                    actor=county,
                    application=a,
                    date=today or date.today(),
                    inspectors="演示检查员 (test)",
                    findings="车间与申报一致。",
                    passed=True,
                ),
                services.application_county_pass(actor=county, application=a),
            ),
        ),
        (
            S.PROVINCE_REVIEW,
            lambda a: services.application_prefecture_pass(actor=prefecture, application=a),
        ),
    ]
    for _target, step in path:
        if application.status == to:
            break
        step(application)
        application.refresh_from_db()
    assert application.status == to, application.status
    return application
