"""Staff admin: every registered model's pages render, offline map widget, typed coordinates."""

import pytest
from django.contrib import admin
from django.urls import reverse

from girrepo.validators import make_credit_code
from producers.models import Producer
from regions import coords

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("clerk", "clerk@example.invalid", "pw")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "model",
    [m for m in admin.site._registry if m._meta.app_label not in ("auth",)],
    ids=lambda m: m._meta.label,
)
def test_changelist_and_add_pages_render(staff_client, model):
    opts = model._meta
    changelist = staff_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    if admin.site._registry[model].has_add_permission(changelist.wsgi_request):
        add = staff_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        assert add.status_code == 200
        html = add.content.decode()
        assert "cdn.jsdelivr" not in html and "unpkg.com" not in html


def test_producer_map_widget_is_offline(staff_client):
    html = staff_client.get(reverse("admin:producers_producer_add")).content.decode()
    assert "/static/vendor/ol/ol.js" in html
    assert "regions/outlines/county.geojson" in html
    assert "tile.openstreetmap" not in html


def producer_form(**overrides):
    data = {
        "name": "后台录入社 (demo)",
        "credit_code": make_credit_code("93530322MA6N00077"),
        "kind": "cooperative",
        "status": "active",
        "location_crs": "wgs84",
        "location": "",
        "longitude": "",
        "latitude": "",
        "members-TOTAL_FORMS": "0",
        "members-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_typed_gcj02_coordinates_set_location_and_county(staff_client):
    lon, lat = coords.from_wgs84(103.666, 25.030, "gcj02")
    resp = staff_client.post(
        reverse("admin:producers_producer_add"),
        producer_form(longitude=lon, latitude=lat, location_crs="gcj02"),
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    p = Producer.objects.get(name="后台录入社 (demo)")
    assert p.county.code == "530322"
    assert abs(p.location.x - 103.666) < 1e-7 and p.location_crs == "gcj02"


def test_swapped_typed_coordinates_are_a_form_error(staff_client):
    resp = staff_client.post(
        reverse("admin:producers_producer_add"),
        producer_form(longitude="25.03", latitude="103.666"),
    )
    assert resp.status_code == 200
    assert "swapped" in resp.content.decode() or "填反" in resp.content.decode()
    assert not Producer.objects.filter(name="后台录入社 (demo)").exists()
