"""``seed_label_demo``: one demo authorization, issued through the real workflow.

The module seeds what ``scripts/setup.sh`` seeds before it (only what the command
needs: the real GI facts, the demo producers and the demo logins), runs the command
once and rolls everything back at the end. 宣威火腿 and its area (宣威市, 530381)
are real; the producer and the logins are demo data.
"""

import io
import re

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from accounts.management.commands.seed_demo_accounts import DEMO_PRODUCER
from labels.choices import ApplicationStatus, AuthorizationStatus
from labels.models import ApplicationEvent, Authorization, OnSiteCheck

S = ApplicationStatus
NUMBER_RE = re.compile(r"^YN-GI-\d{4}-\d{5}$")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The set-up seeds and one run of ``seed_label_demo``; its output is returned."""
    with django_db_blocker.unblock(), transaction.atomic():
        for command in ("load_gi_facts", "seed_demo_producers", "seed_demo_accounts"):
            call_command(command, verbosity=0)
        out = io.StringIO()
        call_command("seed_label_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def authorization(seeded, db) -> Authorization:
    return Authorization.objects.select_related("producer", "application").get()


def test_one_valid_authorization_for_a_demo_producer(seeded, authorization):
    assert Authorization.objects.count() == 1
    assert authorization.status == AuthorizationStatus.VALID
    assert NUMBER_RE.match(authorization.number), authorization.number
    assert authorization.producer.is_demo
    assert authorization.producer.name == DEMO_PRODUCER
    assert authorization.gi_name == "宣威火腿" and not authorization.product.is_demo
    assert authorization.application.status == S.APPROVED
    assert authorization.number in seeded


def test_audit_trail_has_each_level_of_review(authorization):
    events = list(
        ApplicationEvent.objects.filter(application=authorization.application).values_list(
            "action", "actor__username", "from_status", "to_status"
        )
    )
    transitions = [e for e in events if e[2] != e[3]]
    assert transitions == [
        ("submit", "demo-coop", S.DRAFT, S.SUBMITTED),
        ("accept", "demo-xuanwei", S.SUBMITTED, S.COUNTY_REVIEW),
        ("county_pass", "demo-xuanwei", S.COUNTY_REVIEW, S.PREFECTURE_REVIEW),
        ("prefecture_pass", "demo-qujing", S.PREFECTURE_REVIEW, S.PROVINCE_REVIEW),
        ("approve", "demo-province", S.PROVINCE_REVIEW, S.APPROVED),
    ]
    assert ("onsite_check", "demo-xuanwei", S.COUNTY_REVIEW, S.COUNTY_REVIEW) in events
    check = OnSiteCheck.objects.get(application=authorization.application)
    assert check.passed and "demo" in check.inspectors and "demo" in check.findings


def test_verify_page_shows_the_number_as_valid(client, authorization):
    response = client.get(reverse("labels:verify_detail", args=[authorization.number]))
    assert response.status_code == 200
    html = response.content.decode()
    assert authorization.number in html
    badge = re.search(r'data-status="([a-z]+)">([^<]+)<', html)
    assert badge is not None
    assert badge[1] == "valid" and badge[2].strip() in ("有效", "Valid")


def test_second_run_creates_nothing(authorization):
    events = ApplicationEvent.objects.count()
    out = io.StringIO()
    call_command("seed_label_demo", stdout=out)
    assert Authorization.objects.count() == 1
    assert Authorization.objects.get().number == authorization.number
    assert ApplicationEvent.objects.count() == events
    assert "already there" in out.getvalue() and authorization.number in out.getvalue()
