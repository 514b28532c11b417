"""The cooperative portal: what a producer holds, reminders, applying, sites three ways,
documents checked by content, submitting, and change applications."""

import io
import json
import shutil
import subprocess
import zipfile
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from brands.models import GIMark, MarkTerm, MarkUse
from labels import intake, services
from labels.choices import ApplicationKind, ApplicationStatus, CheckResult, DocumentKind
from labels.intake.documents import MAX_DOCUMENT_BYTES
from labels.models import Application, Authorization
from regions.coords import from_wgs84
from tests.label_factories import (
    LULIANG,
    XUANWEI,
    XUANWEI_POINT,
    advance,
    draft,
    ham_product,
    make_producer,
    make_user,
    pdf_bytes,
    pdf_upload,
    png_upload,
)

pytestmark = pytest.mark.django_db
User = get_user_model()
S = ApplicationStatus
OGR2OGR = shutil.which("ogr2ogr")
SQUARE = [[104.10, 26.20], [104.12, 26.20], [104.12, 26.22], [104.10, 26.22], [104.10, 26.20]]


@pytest.fixture
def ham():
    return ham_product()


@pytest.fixture
def producer():
    return make_producer("测试·宣威火腿厂 (test)", XUANWEI, "91530381MA0BBB001")


@pytest.fixture
def coop(producer):
    return make_user("coop", producer=producer)


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # messages asserted in English
    return client


@pytest.fixture
def coop_client(client, coop):
    client.force_login(coop)
    return client


@pytest.fixture
def application(coop, producer, ham):
    return draft(coop, producer, ham, with_site=False, documents=())


def site_url(application):
    return reverse("labels:application_site_add", kwargs={"pk": application.pk})


# -- the dashboard -------------------------------------------------------------


def test_portal_lists_what_the_producer_holds_and_reminds_before_expiry(
    coop_client, coop, producer, ham
):
    today = timezone.localdate()
    mark = GIMark.objects.create(
        name="测试火腿 (test)", mark_type="collective", registrant=producer
    )
    MarkTerm.objects.create(
        mark=mark, start=today - timedelta(days=3600), end=today + timedelta(days=30)
    )
    licensed = GIMark.objects.create(name="测试证明商标 (test)", mark_type="certification")
    MarkUse.objects.create(mark=licensed, producer=producer, kind="licensee")
    application = advance(
        draft(coop, producer, ham),
        to=S.PROVINCE_REVIEW,
        applicant=coop,
        county=make_user("xw", staff_of=XUANWEI),
        prefecture=make_user("qj", staff_of="530300"),
        province=make_user("yn", staff_of="530000"),
    )
    authorization = services.application_approve(
        actor=User.objects.get(username="yn"),
        application=application,
        today=today - timedelta(days=5 * 365 - 20),  # runs out in about 20 days
    )
    response = coop_client.get(reverse("labels:portal"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "测试火腿 (test)" in html and "测试证明商标 (test)" in html
    assert authorization.number in html
    reminders = [r.text for r in response.context["reminders"]]
    assert any(authorization.number in r and "ends on" in r for r in reminders)
    assert any("测试火腿 (test)" in r and "ends on" in r for r in reminders)
    assert not any("测试证明商标" in r for r in reminders)  # a licence without an end
    # Every full year since approval without an annual report is flagged.
    missing = [r for r in reminders if "Annual usage report" in r]
    assert len(missing) == today.year - authorization.valid_from.year


def test_portal_shows_only_the_account_s_own_producers(client, producer, ham):
    other = make_producer("测试·陆良食品厂 (test)", LULIANG, "91530322MA0CCC002")
    mine = make_user("coop", producer=producer)
    theirs = make_user("coop-b", producer=other)
    draft(theirs, other, ham, with_site=False, documents=())
    client.force_login(mine)
    response = client.get(reverse("labels:portal"))
    assert response.context["applications"] == []
    assert "测试·陆良食品厂" not in response.content.decode()


# -- applying ------------------------------------------------------------------


def test_create_application_through_the_form(coop_client, producer, ham):
    response = coop_client.post(
        reverse("labels:application_new"),
        {
            "producer": producer.pk,
            "basis": "area_producer",
            "product": ham.pk,
            "varieties": "",
            "annual_output": "350",
            "output_unit": "吨",
            "planned_label_use": "20000",
        },
    )
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == application.get_absolute_url()
    assert (application.county.code, application.annual_output, application.status) == (
        XUANWEI,
        350,
        S.DRAFT,
    )


def test_mark_basis_needs_a_recorded_use_and_the_error_names_the_field(coop_client, producer):
    mark = GIMark.objects.create(name="测试集体商标 (test)", mark_type="collective")
    data = {
        "producer": producer.pk,
        "basis": "collective_member",
        "mark": mark.pk,
        "output_unit": "吨",
    }
    response = coop_client.post(reverse("labels:application_new"), data)
    assert response.status_code == 400
    assert "no current member" in " ".join(response.context["form"].errors["mark"])
    assert not Application.objects.exists()
    MarkUse.objects.create(mark=mark, producer=producer, kind="member")
    response = coop_client.post(reverse("labels:application_new"), data)
    assert response.status_code == 302 and Application.objects.get().mark == mark


# -- sites, three ways -----------------------------------------------------------


def test_site_drawn_on_the_map(coop_client, application):
    drawn = json.dumps({"type": "Polygon", "coordinates": [SQUARE]})
    response = coop_client.post(
        site_url(application), {"mode": "draw", "draw-name": "腌制车间", "draw-geometry": drawn}
    )
    assert response.status_code == 302
    site = application.sites.get()
    assert (site.name, site.geom.geom_type, site.check_result) == ("腌制车间", "Polygon", "pass")


def test_site_typed_in_gcj02_is_stored_in_wgs84(coop_client, application):
    lon, lat = from_wgs84(*XUANWEI_POINT, "gcj02")
    response = coop_client.post(
        site_url(application),
        {
            "mode": "coords",
            "coords-name": "一号",
            "coords-coordinates": f"{lon}, {lat}",
            "coords-crs": "gcj02",
        },
    )
    assert response.status_code == 302
    site = application.sites.get()
    assert site.entered_crs == "gcj02"
    assert site.geom.x == pytest.approx(XUANWEI_POINT[0], abs=1e-6)
    assert site.geom.y == pytest.approx(XUANWEI_POINT[1], abs=1e-6)


def test_typed_coordinates_swapped_are_refused_on_the_field(coop_client, application):
    response = coop_client.post(
        site_url(application),
        {"mode": "coords", "coords-coordinates": "26.219, 104.104", "coords-crs": "wgs84"},
    )
    assert response.status_code == 400
    errors = response.context["coords_form"].errors["coordinates"]
    assert "swapped" in " ".join(errors)
    assert not application.sites.exists()


def test_self_intersecting_polygon_is_refused(coop_client, application):
    bowtie = "104.10, 26.20\n104.12, 26.22\n104.12, 26.20\n104.10, 26.22"
    response = coop_client.post(
        site_url(application),
        {"mode": "coords", "coords-coordinates": bowtie, "coords-crs": "wgs84"},
    )
    assert response.status_code == 400
    assert "cross itself" in " ".join(response.context["coords_form"].errors["coordinates"])


def geojson_file(features, name="sites.geojson") -> bytes:
    data = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": geom} for props, geom in features
        ],
    }
    return json.dumps(data).encode()


FEATURES = [
    ({"name": "东地块"}, {"type": "Polygon", "coordinates": [SQUARE]}),
    ({"name": "西车间"}, {"type": "Point", "coordinates": [104.05, 26.25]}),
]


def upload_sites(client, application, content: bytes, name: str, crs="wgs84"):
    upload = SimpleUploadedFile(name, content)
    return client.post(
        site_url(application), {"mode": "file", "file-file": upload, "file-crs": crs}
    )


def test_sites_uploaded_as_geojson(coop_client, application):
    response = upload_sites(coop_client, application, geojson_file(FEATURES), "sites.json")
    assert response.status_code == 302
    assert sorted(application.sites.values_list("name", flat=True)) == ["东地块", "西车间"]


@pytest.mark.parametrize("driver,suffix", [("KML", ".kml"), ("ESRI Shapefile", ".shp")])
def test_sites_uploaded_as_kml_or_zipped_shapefile(
    coop_client, application, tmp_path, driver, suffix
):
    src = tmp_path / "in.geojson"
    src.write_bytes(
        geojson_file(
            FEATURES[:1]
            + [
                (
                    {"name": "南地块"},
                    {
                        "type": "Polygon",
                        "coordinates": [
                            [[104.0, 26.1], [104.02, 26.1], [104.02, 26.12], [104.0, 26.1]]
                        ],
                    },
                )
            ]
        )
    )
    out = tmp_path / f"sites{suffix}"
    options = ["-lco", "ENCODING=UTF-8"] if suffix == ".shp" else []
    subprocess.run([OGR2OGR, "-f", driver, *options, str(out), str(src)], check=True)
    if suffix == ".shp":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for part in tmp_path.glob("sites.*"):
                zf.write(part, f"parcels/{part.name}")
        content, name = buf.getvalue(), "parcels.zip"
    else:
        content, name = out.read_bytes(), "parcels.kml"
    response = upload_sites(coop_client, application, content, name)
    assert response.status_code == 302, response.context and response.context["file_form"].errors
    sites = list(application.sites.order_by("name"))
    assert [s.name for s in sites] == ["东地块", "南地块"]
    assert all(s.geom.geom_type == "Polygon" and not s.geom.hasz for s in sites)
    # The shapefile writer turns rings clockwise; the place is the same.
    square = type(sites[0].geom)([tuple(p) for p in SQUARE], srid=4326)
    assert sites[0].geom.sym_difference(square).area < 1e-12


def test_projected_shapefile_is_refused_with_a_reason(coop_client, application, tmp_path):
    src = tmp_path / "in.geojson"
    src.write_bytes(geojson_file(FEATURES[:1]))
    out = tmp_path / "utm.shp"
    subprocess.run(
        [OGR2OGR, "-f", "ESRI Shapefile", "-t_srs", "EPSG:32648", str(out), str(src)], check=True
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for part in tmp_path.glob("utm.*"):
            zf.write(part, part.name)
    response = upload_sites(coop_client, application, buf.getvalue(), "utm.zip")
    assert response.status_code == 400
    assert "projected" in " ".join(response.context["file_form"].errors["file"])
    assert not application.sites.exists()


def test_one_bad_feature_adds_no_site(coop_client, application):
    bad = FEATURES + [({"name": "错"}, {"type": "Point", "coordinates": [26.2, 104.1]})]
    response = upload_sites(coop_client, application, geojson_file(bad), "x.geojson")
    assert response.status_code == 400
    assert "Feature 3" in " ".join(response.context["file_form"].errors["file"])
    assert not application.sites.exists()


def test_unknown_file_is_refused_by_content(coop_client, application):
    response = upload_sites(coop_client, application, b"lon,lat\n104,26\n", "sites.geojson")
    assert response.status_code == 400
    assert "GeoJSON, KML or a zipped shapefile" in response.content.decode()


# -- documents -------------------------------------------------------------------


def post_document(client, application, upload, kind=DocumentKind.TEST_REPORT):
    return client.post(
        reverse("labels:application_document_add", kwargs={"pk": application.pk}),
        {"kind": kind, "file": upload},
    )


def test_pdf_and_image_documents_are_accepted_and_downloadable(coop_client, application):
    assert (
        post_document(coop_client, application, pdf_upload("检测.pdf", pages=2)).status_code == 302
    )
    assert (
        post_document(coop_client, application, png_upload(), DocumentKind.OTHER).status_code == 302
    )
    by_type = {d.content_type: d for d in application.documents.all()}
    assert set(by_type) == {"application/pdf", "image/png"}
    assert "检测" not in by_type["application/pdf"].file.name  # the stored name is ours
    response = coop_client.get(
        reverse(
            "labels:application_document",
            kwargs={"pk": application.pk, "doc_pk": by_type["application/pdf"].pk},
        )
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert response["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize(
    "content,message",
    [
        (b"%PDF-1.7\nnot really a pdf", "cannot be opened"),
        (b"<html>report</html>", "Upload a PDF or an image"),
        (b"MZ\x90\x00" + b"\x00" * 100, "Upload a PDF or an image"),
    ],
)
def test_documents_are_checked_by_content(coop_client, application, content, message):
    response = post_document(coop_client, application, SimpleUploadedFile("report.pdf", content))
    assert response.status_code == 400
    assert message in " ".join(response.context["document_form"].errors["file"])
    assert not application.documents.exists()


def test_document_size_limit(coop_client, application):
    big = pdf_bytes() + b"\n%" + b"0" * (MAX_DOCUMENT_BYTES)
    response = post_document(coop_client, application, SimpleUploadedFile("big.pdf", big))
    assert response.status_code == 400
    assert "20 MB" in " ".join(response.context["document_form"].errors["file"])


# -- submitting and following ------------------------------------------------------


def test_submit_shows_what_is_missing(coop_client, application):
    response = coop_client.post(reverse("labels:application_submit", kwargs={"pk": application.pk}))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Add at least one production site" in html and "Missing documents" in html
    application.refresh_from_db()
    assert application.status == S.DRAFT


def test_submit_then_follow_the_timeline(coop_client, coop, producer, ham):
    application = draft(coop, producer, ham)
    response = coop_client.post(reverse("labels:application_submit", kwargs={"pk": application.pk}))
    assert response.status_code == 302
    page = coop_client.get(application.get_absolute_url())
    application.refresh_from_db()
    assert application.status == S.SUBMITTED and application.site_check_result == CheckResult.PASS
    html = page.content.decode()
    assert "Submitted" in html and 'id="submit-application"' not in html
    assert [row["label"] for row in page.context["events"]][-1] == "Submitted"
    assert page.context["can_edit"] is False


# -- after approval: change applications -------------------------------------------


@pytest.fixture
def authorization(coop, producer, ham):
    application = advance(
        draft(coop, producer, ham),
        to=S.PROVINCE_REVIEW,
        applicant=coop,
        county=make_user("xw", staff_of=XUANWEI),
        prefecture=make_user("qj", staff_of="530300"),
        province=make_user("yn", staff_of="530000"),
    )
    return services.application_approve(
        actor=User.objects.get(username="yn"),
        application=application,
        today=date(timezone.localdate().year - 1, 6, 1),
    )


def test_change_application_follows_the_authorization(coop_client, authorization):
    url = reverse("labels:portal_authorization_change", kwargs={"pk": authorization.pk})
    response = coop_client.post(url, {"output_unit": "吨", "annual_output": "500"})
    change = Application.objects.get(kind=ApplicationKind.CHANGE)
    assert response.status_code == 302 and response["Location"] == change.get_absolute_url()
    assert (change.changes, change.product, change.status) == (
        authorization,
        authorization.product,
        S.DRAFT,
    )
    again = coop_client.post(url, {"output_unit": "吨"})
    assert again.status_code == 400
    assert "already in progress" in again.content.decode()
    assert Authorization.objects.count() == 1


def test_authorization_page_shows_the_label_text(coop_client, authorization):
    response = coop_client.get(
        reverse("labels:portal_authorization", kwargs={"pk": authorization.pk})
    )
    assert response.status_code == 200
    assert authorization.label_text in response.content.decode()


def test_intake_refuses_sites_outside_yunnan():
    with pytest.raises(Exception) as exc:
        intake.site_from_coordinates("116.39, 39.91")
    assert "outside Yunnan" in " ".join(exc.value.messages)


# -- demo accounts -------------------------------------------------------------------


def test_seed_demo_accounts_is_idempotent_and_logs_in(client):
    from django.core.management import call_command

    from accounts.models import ProducerAccount, StaffAssignment
    from girrepo.management.commands.seed_demo import DEMO_PASSWORD

    call_command("seed_demo_producers", verbosity=0)
    call_command("seed_demo_accounts", verbosity=0)
    call_command("seed_demo_accounts", verbosity=0)
    jurisdictions = dict(
        StaffAssignment.objects.filter(user__username__startswith="demo-").values_list(
            "user__username", "region__code"
        )
    )
    assert jurisdictions == {
        "demo-province": "530000",
        "demo-qujing": "530300",
        "demo-xuanwei": "530381",
    }
    account = ProducerAccount.objects.get(user__username="demo-coop")
    assert account.producer.name == "演示·宣威火腿加工有限公司 (demo)" and account.producer.is_demo
    assert User.objects.filter(username__startswith="demo-").count() == 4
    assert client.login(username="demo-coop", password=DEMO_PASSWORD)
    assert client.get(reverse("labels:portal")).status_code == 200
    assert client.login(username="demo-xuanwei", password=DEMO_PASSWORD)
    assert client.get(reverse("labels:workbench")).status_code == 200


def test_annual_report_is_filed_once_per_year(coop_client, authorization):
    url = reverse("labels:portal_annual_report", kwargs={"pk": authorization.pk})
    data = {
        "year": authorization.year,
        "labels_printed": 1000,
        "labels_used": 800,
        "output": "12.5",
    }
    response = coop_client.post(url, data)
    assert response.status_code == 302
    report = authorization.annual_reports.get()
    assert (report.labels_used, report.filed_by.username) == (800, "coop")
    again = coop_client.post(url, data)
    assert again.status_code == 400
    assert "has been filed" in " ".join(again.context["report_form"].errors["year"])
    more_used = coop_client.post(url, {**data, "year": authorization.year + 1, "labels_used": 2000})
    assert more_used.status_code == 400
    assert authorization.annual_reports.count() == 1
