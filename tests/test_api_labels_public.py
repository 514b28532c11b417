"""Public reads of the special-label register: authorizations and the cancellation list.

Anyone may read them; the detail is the very record /verify/<number>.json gives.
"""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from girrepo.api.exceptions import MESSAGES
from labels.choices import AuthorizationStatus
from tests import api_factories as f
from tests.api_factories import body
from tests.label_factories import ham_product

pytestmark = pytest.mark.django_db

AUTHORIZATIONS = "/api/labels/authorizations/"
CANCELLATIONS = "/api/labels/cancellations/"


@pytest.fixture(autouse=True)
def no_throttle_history():
    cache.clear()


@pytest.fixture
def issued():
    """Two authorizations of two producers; the second one cancelled."""
    ham = ham_product()
    first = f.actors(f.make_producer("宣威演示火腿厂 (demo)", "530381", "91530381MA6AP0001"))
    second = f.actors(
        f.make_producer("宣威演示腌腊厂 (demo)", "530381", "91530381MA6AP0003"), suffix="-2"
    )
    valid = f.authorization(ham, first)
    cancelled = f.cancel(f.authorization(ham, second), by=second.province)
    return valid, cancelled


def test_authorizations_list_and_detail_are_the_verification_record(issued):
    valid, cancelled = issued
    api = APIClient()
    listed = body(api.get(AUTHORIZATIONS))["results"]
    assert [a["number"] for a in listed] == [cancelled.number, valid.number]  # newest first
    detail = api.get(f"{AUTHORIZATIONS}{valid.number}/")
    assert detail.status_code == 200
    verify = api.get(f"/verify/{valid.number}.json")
    assert body(detail) == body(verify)
    record = body(detail)
    assert record["valid"] is True and record["producer"]["credit_code"] == valid.credit_code
    assert record["sites"]["features"][0]["geometry"]["type"] == "Point"
    # The list gives the same keys, without the sites.
    item = next(a for a in listed if a["number"] == valid.number)
    assert {k: v for k, v in record.items() if k in item} == item


def test_cancellation_list_has_only_cancellations_with_date_and_reason(issued):
    valid, cancelled = issued
    api = APIClient()
    [item] = body(api.get(CANCELLATIONS))["results"]
    assert item["number"] == cancelled.number
    assert item["status"] == AuthorizationStatus.CANCELLED and item["valid"] is False
    assert item["cancellation"]["reason"] == "演示：未按标准生产 (demo)"
    assert item["cancellation"]["date"]
    assert api.get(f"{CANCELLATIONS}{cancelled.number}/").status_code == 200
    assert api.get(f"{CANCELLATIONS}{valid.number}/").status_code == 404


def test_authorization_filters(issued):
    valid, cancelled = issued
    api = APIClient()

    def numbers(params):
        return [a["number"] for a in body(api.get(AUTHORIZATIONS, params))["results"]]

    assert numbers({"status": "valid"}) == [valid.number]
    assert numbers({"status": "cancelled"}) == [cancelled.number]
    assert numbers({"credit_code": valid.credit_code}) == [valid.number]
    assert numbers({"region": "530300"}) == [cancelled.number, valid.number]
    assert numbers({"region": "532300"}) == []
    assert numbers({"q": "腌腊"}) == [cancelled.number]


@pytest.mark.parametrize("number", ["YN-GI-2026-99999", "YN-GI-XXXX", "../../etc"])
def test_unknown_or_malformed_numbers_are_json_404s(number):
    response = APIClient().get(f"{AUTHORIZATIONS}{number}/")
    data = body(response)
    assert response.status_code == 404
    assert (data["code"], data["message_zh"]) == ("not_found", MESSAGES["not_found"][1])


def test_authorization_list_has_a_fixed_number_of_queries(issued):
    api = APIClient()
    with CaptureQueriesContext(connection) as two:
        response = api.get(AUTHORIZATIONS)
    assert len(body(response)["results"]) == 2
    third = f.actors(
        f.make_producer("宣威演示火腿坊 (demo)", "530381", "91530381MA6AP0004"), suffix="-3"
    )
    f.authorization(issued[0].product, third)
    with CaptureQueriesContext(connection) as three:
        response = api.get(AUTHORIZATIONS)
    assert len(body(response)["results"]) == 3
    assert len(three.captured_queries) == len(two.captured_queries)
