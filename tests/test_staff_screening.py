"""Staff bulk screening (/staff/screening/): upload a file of sites, read the summary,
download the report, which only its owner reaches and which expires after 24 h.

Over the real counties and GI facts; sites, staff and producers are fictional.
"""

import csv
import io
import json
import os
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from labels.views import screening as screening_views
from tests.label_factories import PROVINCE, QUJING, XUANWEI, make_producer, make_user

from .test_screening import CHUXIONG_CITY, GUIZHOU, XUANWEI_CITY, feature, gpkg, point, rows
from .test_sitecheck import facts_fixture, gi_facts_fixture  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

URL = reverse("labels:staff_screening")
LEVELS = {"county": XUANWEI, "prefecture": QUJING, "province": PROVINCE}


@pytest.fixture(autouse=True)
def report_dir(settings, tmp_path):
    settings.GIRREPO_SCREENING_DIR = tmp_path / "private" / "screening"
    return settings.GIRREPO_SCREENING_DIR


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def staff(db):
    return {level: make_user(f"staff-{level}", staff_of=code) for level, code in LEVELS.items()}


@pytest.fixture
def three_sites(tmp_path, facts):
    """In 宣威 town, in 楚雄市 (three protected areas there), and in Guizhou (none)."""
    folder = tmp_path / "three"
    folder.mkdir()
    return gpkg(
        folder,
        [
            feature("xuanwei", point(*XUANWEI_CITY)),
            feature("chuxiong", point(*CHUXIONG_CITY)),
            feature("guizhou", point(*GUIZHOU)),
        ],
    )


def upload(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def screen(client, file, **fields):
    data = {"file": file, "output_format": "csv", **fields}
    return client.post(URL, data)


def report_id(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    result = response["Location"]
    assert result.startswith(URL) and result != URL
    return result.rstrip("/").rsplit("/", 1)[1]


def download(client, rid: str):
    return client.get(reverse("labels:staff_screening_download", kwargs={"report": rid}))


def result(client, rid: str):
    return client.get(reverse("labels:staff_screening_result", kwargs={"report": rid}))


def field_errors(response) -> dict:
    assert response.status_code == 400
    return response.context["form"].errors


@pytest.mark.parametrize("level", LEVELS)
def test_every_staff_level_screens_a_geopackage(client, staff, three_sites, facts, level):
    client.force_login(staff[level])
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'enctype="multipart/form-data"' in html and 'id="nav-screening"' in html
    # Only mapped products are offered.
    offered = set(page.context["form"].fields["product"].queryset.values_list("name", flat=True))
    assert "宣威火腿" in offered and "文山三七" not in offered

    rid = report_id(
        screen(
            client,
            upload(three_sites),
            product=facts["宣威火腿"].pk,
            id_field="site_no",
        )
    )
    summary = result(client, rid)
    assert summary.status_code == 200
    meta = summary.context["meta"]
    assert (meta["sites"], meta["rows"]) == (3, 3)
    assert meta["results"] == {"pass": 1, "fail": 2, "manual": 0}
    assert meta["products"] == ["宣威火腿"] and meta["file"] == "sites.gpkg"
    text = summary.content.decode()
    assert 'id="summary-sites">3<' in text and "Pass: 1" in text and "Fail: 2" in text

    report = download(client, rid)
    assert report.status_code == 200
    assert report["Content-Type"].startswith("text/csv")
    assert 'filename="sites.screening.csv"' in report["Content-Disposition"]
    got = rows(b"".join(report.streaming_content))
    assert set(got) == {"xuanwei", "chuxiong", "guizhou"}
    (row,) = got["xuanwei"]
    assert (row["product"], row["result"], row["reason"], row["county"]) == (
        "宣威火腿",
        "pass",
        "inside",
        "宣威市",
    )
    assert got["guizhou"][0]["result"] == "fail" and got["chuxiong"][0]["result"] == "fail"


def test_every_protected_area_and_the_products_that_cannot_be_screened(
    client, staff, three_sites, facts
):
    client.force_login(staff["county"])
    rid = report_id(screen(client, upload(three_sites), id_field="site_no"))
    meta = result(client, rid).context["meta"]
    # 楚雄市 lies in three areas (three rows), 宣威 in one, Guizhou in none (one row).
    assert (meta["sites"], meta["rows"]) == (3, 5)
    assert meta["results"] == {"pass": 3, "fail": 1, "manual": 1}
    assert "文山三七" in meta["not_mapped"] and "文山三七" not in meta["products"]
    assert {"宣威火腿", "南华松茸"} <= set(meta["products"])
    got = rows(b"".join(download(client, rid).streaming_content))
    assert {r["product"] for r in got["chuxiong"]} == {"南华松茸", "楚雄牛肝菌", "普洱茶"}


def test_geojson_in_geojson_out(client, staff, tmp_path, facts):
    source = tmp_path / "fields.geojson"
    features = [feature("A", point(*XUANWEI_CITY)), feature("B", point(*GUIZHOU))]
    source.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    client.force_login(staff["province"])
    rid = report_id(
        screen(
            client,
            upload(source),
            product=facts["宣威火腿"].pk,
            crs="wgs84",
            id_field="site_no",
            output_format="geojson",
        )
    )
    summary = result(client, rid)
    assert summary.context["meta"]["results"] == {"pass": 1, "fail": 1, "manual": 0}
    assert "WGS-84 (GPS)" in summary.content.decode()
    report = download(client, rid)
    assert report["Content-Type"] == "application/geo+json"
    assert 'filename="fields.screening.geojson"' in report["Content-Disposition"]
    data = json.loads(b"".join(report.streaming_content))
    verdict = {f["properties"]["site_id"]: f["properties"]["result"] for f in data["features"]}
    assert verdict == {"A": "pass", "B": "fail"}


def test_zipped_shapefile_in_cgcs2000(client, staff, tmp_path, facts):
    """A .zip is read through /vsizip/, which needs the upload to keep its extension."""
    folder = tmp_path / "shp"
    folder.mkdir()
    geojson = folder / "in.geojson"
    geojson.write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature("Z1", point(*XUANWEI_CITY))]})
    )
    subprocess.run(
        ["ogr2ogr", "-f", "ESRI Shapefile", str(folder / "sites.shp"), str(geojson)],
        check=True,
        capture_output=True,
    )
    archive = tmp_path / "地块.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in folder.glob("sites.*"):
            zf.write(part, part.name)
    client.force_login(staff["prefecture"])
    rid = report_id(
        screen(
            client,
            upload(archive),
            product=facts["宣威火腿"].pk,
            crs="cgcs2000",
            id_field="site_no",
        )
    )
    got = rows(b"".join(download(client, rid).streaming_content))
    assert got["Z1"][0]["result"] == "pass"


def test_the_upload_keeps_its_extension_and_is_removed(
    client, staff, three_sites, facts, monkeypatch
):
    seen = []
    real = screening_views.screen_file

    def spy(**kwargs):
        path = Path(kwargs["path"])
        seen.append((path, path.exists()))
        return real(**kwargs)

    monkeypatch.setattr(screening_views, "screen_file", spy)
    client.force_login(staff["county"])
    report_id(screen(client, upload(three_sites, "外业.GPKG"), id_field="site_no"))
    ((path, existed),) = seen
    assert existed and path.name.endswith(".GPKG")
    assert not path.exists()
    # A failed screening removes it too.
    screen(client, upload(three_sites), id_field="nope")
    assert len(seen) == 2 and seen[1][1] and not seen[1][0].exists()


def test_another_user_gets_404_for_a_report(client, staff, three_sites, facts):
    client.force_login(staff["county"])
    rid = report_id(screen(client, upload(three_sites)))
    assert result(client, rid).status_code == 200 and download(client, rid).status_code == 200
    for other in ("prefecture", "province"):
        client.force_login(staff[other])
        assert result(client, rid).status_code == 404
        assert download(client, rid).status_code == 404
    same_region = make_user("staff-county-2", staff_of=XUANWEI)
    client.force_login(same_region)
    assert download(client, rid).status_code == 404
    # The owner still has it; an unknown id is 404 for the owner too.
    client.force_login(staff["county"])
    assert download(client, rid).status_code == 200
    unknown = "00000000-0000-4000-8000-000000000000"
    assert download(client, unknown).status_code == 404
    assert result(client, unknown).status_code == 404


def test_anonymous_is_sent_to_login_and_nothing_runs(client, three_sites, report_dir):
    login = reverse("login")
    for response in (
        client.get(URL),
        screen(client, upload(three_sites)),
        result(client, "00000000-0000-4000-8000-000000000000"),
        download(client, "00000000-0000-4000-8000-000000000000"),
    ):
        assert response.status_code == 302 and response["Location"].startswith(login)
    assert not Path(report_dir).exists()


def test_producer_accounts_get_403(client, staff, three_sites, report_dir):
    # The owner's report exists; a producer account does not reach it (nor the page).
    client.force_login(staff["county"])
    rid = report_id(screen(client, upload(three_sites)))
    producer = make_producer("测试·宣威火腿厂 (test)", XUANWEI, "91530381MA0BBB001")
    client.force_login(make_user("coop-a", producer=producer))
    assert client.get(URL).status_code == 403
    assert screen(client, upload(three_sites)).status_code == 403
    assert result(client, rid).status_code == 403
    assert download(client, rid).status_code == 403
    assert len(list(Path(report_dir).glob("*/*.csv"))) == 1


def test_the_upload_needs_the_csrf_token(staff, three_sites, facts, report_dir):
    """The page sets its own upload handler (so it is CSRF-exempt outside) and checks
    the token itself."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff["county"])
    assert screen(client, upload(three_sites)).status_code == 403
    assert not Path(report_dir).exists()
    token = client.get(URL).context["csrf_token"]
    response = screen(client, upload(three_sites), csrfmiddlewaretoken=str(token))
    report_id(response)


def test_the_rule_allows_every_staff_level_and_nobody_else(staff):
    from django.contrib.auth.models import AnonymousUser

    for user in staff.values():
        assert user.has_perm("labels.screen_sites")
    producer = make_producer("测试·宣威火腿厂 (test)", XUANWEI, "91530381MA0BBB001")
    assert not make_user("coop-a", producer=producer).has_perm("labels.screen_sites")
    assert not make_user("nobody").has_perm("labels.screen_sites")
    assert not AnonymousUser().has_perm("labels.screen_sites")


def test_an_unreadable_file_is_an_error_on_the_file_field(client, staff, tmp_path, report_dir):
    bad = tmp_path / "broken.gpkg"
    bad.write_bytes(b"not a geopackage at all")
    client.force_login(staff["county"])
    response = screen(client, upload(bad))
    errors = field_errors(response)
    assert list(errors) == ["file"]
    assert "cannot be screened" in errors["file"][0] and "broken.gpkg" in errors["file"][0]
    assert "/tmp" not in errors["file"][0]  # not the server's temporary path
    assert 'data-field="file"' in response.content.decode()
    assert not list(Path(report_dir).glob("*/*"))


def test_a_wrong_extension_is_refused_before_screening(client, staff, tmp_path, monkeypatch):
    monkeypatch.setattr(screening_views, "screen_file", lambda **kw: pytest.fail("screened"))
    notes = tmp_path / "sites.txt"
    notes.write_text("lon,lat\n104.1,26.2\n")
    client.force_login(staff["county"])
    errors = field_errors(screen(client, upload(notes)))
    assert list(errors) == ["file"] and "sites.txt" in errors["file"][0]
    assert ".gpkg" in errors["file"][0]


def test_an_unknown_id_field_or_layer_is_an_error_on_that_field(client, staff, three_sites, facts):
    client.force_login(staff["county"])
    errors = field_errors(screen(client, upload(three_sites), id_field="编号"))
    assert list(errors) == ["id_field"]
    assert "编号" in errors["id_field"][0] and "site_no" in errors["id_field"][0]
    errors = field_errors(screen(client, upload(three_sites), layer="fields"))
    assert list(errors) == ["layer"]
    assert "fields" in errors["layer"][0] and "sites" in errors["layer"][0]
    errors = field_errors(screen(client, upload(three_sites), id_field='a"b'))
    assert list(errors) == ["id_field"]


def test_an_oversize_upload_is_an_error_on_the_file_field(
    client, staff, three_sites, facts, settings, report_dir
):
    size = three_sites.stat().st_size
    settings.GIRREPO_SCREENING_MAX_UPLOAD_MB = (size - 1) / (1024 * 1024)
    client.force_login(staff["county"])
    response = screen(client, upload(three_sites))
    errors = field_errors(response)
    assert list(errors) == ["file"] and "larger than" in errors["file"][0]
    assert 'data-field="file"' in response.content.decode()
    assert not Path(report_dir).exists()  # nothing was screened
    # The form's own check, for an upload that reached it whole.
    form = screening_views.ScreeningForm(
        {"output_format": "csv"}, {"file": upload(three_sites)}, max_mb=(size - 1) / 2**20
    )
    assert not form.is_valid() and "larger than" in form.errors["file"][0]
    # At the limit it is screened.
    settings.GIRREPO_SCREENING_MAX_UPLOAD_MB = size / (1024 * 1024)
    report_id(screen(client, upload(three_sites)))


def test_the_upload_handler_drops_a_file_as_soon_as_it_passes_the_limit(rf):
    from django.core.files.uploadhandler import SkipFile

    handler = screening_views.CappedUploadHandler(rf.post(URL), limit=10)
    handler.new_file("file", "sites.gpkg", "application/octet-stream", None)
    assert handler.receive_data_chunk(b"12345678", 0) is None  # written to disk
    with pytest.raises(SkipFile):
        handler.receive_data_chunk(b"9abc", 8)
    assert handler.too_large
    handler.file.close()


def test_reports_older_than_a_day_are_removed_when_a_screening_runs(
    client, staff, three_sites, facts, report_dir
):
    old_dir = Path(report_dir) / "999999"
    old_dir.mkdir(parents=True)
    day_ago = time.time() - 24 * 3600 - 60
    old = [old_dir / "a.csv", old_dir / "a.json"]
    recent = old_dir / "b.csv"
    for path in [*old, recent]:
        path.write_text("x")
    for path in old:
        os.utime(path, (day_ago, day_ago))
    client.force_login(staff["county"])
    client.get(URL)  # opening the page runs nothing
    assert all(p.exists() for p in old)
    report_id(screen(client, upload(three_sites)))
    assert not any(p.exists() for p in old)
    assert recent.exists()
    own = list((Path(report_dir) / str(staff["county"].pk)).iterdir())
    assert sorted(p.suffix for p in own) == [".csv", ".json"]


def test_an_expired_report_is_gone(client, staff, three_sites, facts, report_dir):
    client.force_login(staff["county"])
    rid = report_id(screen(client, upload(three_sites)))
    assert screening_views.purge_old_reports(now=time.time() + 24 * 3600 + 60) == 2
    assert result(client, rid).status_code == 404 and download(client, rid).status_code == 404


def test_reports_are_not_under_the_media_url(client, staff, three_sites, facts, settings, tmp_path):
    """At its default place, MEDIA_ROOT/private/screening, the report is not served."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.GIRREPO_SCREENING_DIR = settings.MEDIA_ROOT / "private" / "screening"
    client.force_login(staff["county"])
    rid = report_id(screen(client, upload(three_sites)))
    folder = settings.GIRREPO_SCREENING_DIR / str(staff["county"].pk)
    relative = (folder / f"{rid}.csv").relative_to(settings.MEDIA_ROOT)
    assert (settings.MEDIA_ROOT / relative).is_file()
    assert client.get(f"{settings.MEDIA_URL}{relative}").status_code == 404
    assert download(client, rid).status_code == 200


def test_the_page_speaks_chinese(client, staff):
    client.force_login(staff["county"])
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "批量筛查" in html and "坐标系" in html


def test_the_report_csv_has_the_engine_columns(client, staff, three_sites, facts):
    client.force_login(staff["county"])
    rid = report_id(screen(client, upload(three_sites), id_field="site_no"))
    text = b"".join(download(client, rid).streaming_content).decode()
    header = next(csv.reader(io.StringIO(text)))
    assert header[:2] == ["result", "site_id"] and "county_code" in header
