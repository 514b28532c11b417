"""After approval: annual reports, the compliance scan, the staff's chain
(abnormal-use list → rectification → suspension → cancellation), the public
list of cancellations and the portal's expiry reminders.

Authorizations are made with the model (see tests/test_verify.py).
"""

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from brands.choices import MarkType
from brands.models import GIMark
from brands.services import gi_mark_save, mark_term_create_first
from labels.choices import AbnormalReason, AuthorizationStatus, ComplianceStep
from labels.compliance import (
    ReminderKind,
    annual_report_file,
    authorization_cancel,
    authorization_compliance_step,
    authorization_effective_status,
    authorization_list_abnormal,
    authorization_order_rectification,
    authorization_restore,
    authorization_suspend,
    compliance_scan,
    expiry_reminders,
    latest_overdue_year,
    report_due_date,
)
from labels.models import AnnualReport, ComplianceAction
from labels.services import TransitionError
from varieties.choices import PlantType, VarietyRegister, VarietyStatus
from varieties.models import PlantVariety
from varieties.services import variety_save

from .test_verify import demo_producer, make_authorization, user, xuanwei_ham

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 6, 1)


@pytest.fixture
def ham():
    return xuanwei_ham()


@pytest.fixture
def holder():
    return demo_producer(1)


@pytest.fixture
def authorization(ham, holder):
    return make_authorization(producer=holder, product=ham, valid_from=dt.date(2023, 1, 10))


@pytest.fixture
def holder_user(holder):
    return user("holder", producer=holder)


@pytest.fixture
def county_staff():
    return user("xuanwei-staff", region="530381")  # 宣威市, the authorization's county


def file(actor, authorization, year, printed=1000, used=800):
    return annual_report_file(
        actor=actor,
        authorization=authorization,
        year=year,
        labels_printed=printed,
        labels_used=used,
        today=TODAY,
    )


# -- annual reports ----------------------------------------------------------------


class TestAnnualReport:
    def test_holder_files(self, authorization, holder_user):
        report = file(holder_user, authorization, 2024)
        assert report.pk and report.filed_by == holder_user
        assert report.history.count() == 1

    def test_one_per_year(self, authorization, holder_user):
        file(holder_user, authorization, 2024)
        with pytest.raises(ValidationError) as exc:
            file(holder_user, authorization, 2024, used=1)
        assert "2024" in exc.value.message_dict["year"][0]
        assert AnnualReport.objects.filter(authorization=authorization).count() == 1

    def test_used_not_more_than_printed(self, authorization, holder_user):
        with pytest.raises(ValidationError) as exc:
            file(holder_user, authorization, 2024, printed=10, used=11)
        assert "labels_used" in exc.value.message_dict
        assert not AnnualReport.objects.exists()

    @pytest.mark.parametrize("year", [2022, 2026])
    def test_year_within_validity_and_not_future(self, authorization, holder_user, year):
        with pytest.raises(ValidationError) as exc:
            file(holder_user, authorization, year)
        assert "year" in exc.value.message_dict

    def test_only_the_holder(self, authorization, county_staff, ham):
        other = user("other-holder", producer=demo_producer(2))
        for actor in (other, county_staff):
            with pytest.raises(PermissionDenied):
                file(actor, authorization, 2024)
        assert not AnnualReport.objects.exists()


# -- the scan -----------------------------------------------------------------------


class TestComplianceScan:
    def test_due_date(self):
        assert report_due_date(2024) == dt.date(2025, 3, 31)
        assert latest_overdue_year(dt.date(2025, 3, 31)) == 2023
        assert latest_overdue_year(dt.date(2025, 4, 1)) == 2024

    def test_due_date_is_a_setting(self, settings):
        settings.GIRREPO_ANNUAL_REPORT_DUE = (6, 30)
        assert report_due_date(2024) == dt.date(2025, 6, 30)
        assert latest_overdue_year(TODAY) == 2023

    def test_flags_missing_report_and_non_use(self, authorization, holder_user):
        file(holder_user, authorization, 2023, used=0)  # 2024 is missing, nothing used
        summary = compliance_scan(today=TODAY)
        assert summary.missing_report == [authorization.number]
        assert summary.non_use == [authorization.number]
        listed = ComplianceAction.objects.filter(authorization=authorization)
        assert {(a.step, a.reason) for a in listed} == {
            (ComplianceStep.ABNORMAL_LISTED, AbnormalReason.MISSING_REPORT),
            (ComplianceStep.ABNORMAL_LISTED, AbnormalReason.NON_USE),
        }
        missing = listed.get(reason=AbnormalReason.MISSING_REPORT)
        assert "2024" in missing.details and "2023" not in missing.details
        assert missing.actor is None
        assert authorization_compliance_step(authorization=authorization) == "abnormal_listed"

    def test_idempotent(self, authorization):
        compliance_scan(today=TODAY)
        again = compliance_scan(today=TODAY)
        assert again.missing_report == [] and again.non_use == []
        assert again.already_listed == 2
        assert ComplianceAction.objects.filter(authorization=authorization).count() == 2

    def test_reports_with_use_are_fine(self, authorization, holder_user):
        file(holder_user, authorization, 2023, used=0)
        file(holder_user, authorization, 2024, used=5)
        summary = compliance_scan(today=TODAY)
        assert summary.checked == 1
        assert summary.missing_report == summary.non_use == []
        assert not ComplianceAction.objects.exists()

    def test_non_use_needs_two_years_of_validity(self, ham, holder, holder_user):
        recent = make_authorization(producer=holder, product=ham, valid_from=dt.date(2024, 2, 1))
        file(holder_user, recent, 2024, used=0)
        summary = compliance_scan(today=TODAY)
        assert summary.non_use == [] and summary.missing_report == []

    def test_nothing_due_before_the_deadline(self, ham, holder):
        make_authorization(producer=holder, product=ham, valid_from=dt.date(2024, 5, 1))
        assert compliance_scan(today=dt.date(2025, 3, 31)).missing_report == []
        assert len(compliance_scan(today=dt.date(2025, 4, 1)).missing_report) == 1

    def test_expired_and_cancelled_are_not_scanned(self, ham, holder):
        make_authorization(producer=holder, product=ham, valid_from=dt.date(2019, 1, 1))
        make_authorization(
            producer=holder, product=ham, valid_from=dt.date(2023, 1, 1), status="cancelled"
        )
        summary = compliance_scan(today=TODAY)
        assert summary.checked == 0 and not ComplianceAction.objects.exists()

    def test_a_restored_authorization_can_be_listed_again(self, authorization, county_staff):
        compliance_scan(today=TODAY)
        authorization_restore(
            actor=county_staff, authorization=authorization, reason="已补报 (demo)"
        )
        assert authorization_compliance_step(authorization=authorization) is None
        summary = compliance_scan(today=TODAY)
        assert summary.missing_report == [authorization.number]

    def test_command_prints_a_summary(self, authorization):
        out = StringIO()
        call_command("scan_label_compliance", "--date", "2025-06-01", "-v", "2", stdout=out)
        text = out.getvalue()
        assert "1 authorizations checked on 2025-06-01" in text
        assert f"missing report: {authorization.number}" in text
        assert ComplianceAction.objects.count() == 2


# -- the staff's chain ----------------------------------------------------------------


class TestChain:
    def test_rectification_suspension_cancellation(
        self, authorization, holder_user, county_staff, client, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            compliance_scan(today=TODAY)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            authorization_order_rectification(
                actor=county_staff, authorization=authorization, reason="限期补报年度报告"
            )
            authorization_suspend(
                actor=county_staff, authorization=authorization, reason="逾期未整改"
            )
            authorization_cancel(
                actor=county_staff, authorization=authorization, reason="连续两年未使用专用标志"
            )
        actions = list(
            ComplianceAction.objects.filter(authorization=authorization, actor=county_staff)
        )
        assert [a.step for a in actions] == ["rectification", "suspended", "cancelled"]
        # Grounds follow the listing when staff do not name them.
        assert {a.reason for a in actions} <= {AbnormalReason.MISSING_REPORT, "non_use"}
        authorization.refresh_from_db()
        assert authorization.status == AuthorizationStatus.CANCELLED
        assert authorization.status_reason == "连续两年未使用专用标志"
        assert authorization.status_changed is not None
        assert authorization.history.filter(status="suspended").exists()
        assert [m.to for m in mail.outbox] == [["holder@example.org"]] * 3
        assert "逾期未整改" in mail.outbox[1].body
        assert authorization.number in mail.outbox[2].subject

        # Published: on the list of cancellations and on the verification page.
        html = client.get(reverse("labels:cancellations")).content.decode()
        assert authorization.number in html and "连续两年未使用专用标志" in html
        assert timezone.localdate(authorization.status_changed).isoformat() in html
        page = client.get(authorization.get_absolute_url()).content.decode()
        assert 'data-status="cancelled"' in page and "连续两年未使用专用标志" in page
        data = client.get(f"{authorization.get_absolute_url()}?format=json").json()
        assert data["status"] == "cancelled" and data["valid"] is False
        assert data["cancellation"]["reason"] == "连续两年未使用专用标志"

    def test_suspended_shows_on_verify_and_restores(self, authorization, county_staff, client):
        compliance_scan(today=TODAY)
        authorization_order_rectification(
            actor=county_staff, authorization=authorization, reason="整改"
        )
        authorization_suspend(
            actor=county_staff, authorization=authorization, reason="内部：抽检批次 A-17 不合格"
        )
        page = client.get(authorization.get_absolute_url()).content.decode()
        assert 'data-status="suspended"' in page
        # Only a cancellation's reason is published; the case file stays with staff.
        assert "A-17" not in page
        authorization_restore(actor=county_staff, authorization=authorization, reason="已整改")
        authorization.refresh_from_db()
        assert authorization.status == AuthorizationStatus.VALID
        assert (
            'data-status="valid"' in client.get(authorization.get_absolute_url()).content.decode()
        )
        assert (
            authorization.number not in client.get(reverse("labels:cancellations")).content.decode()
        )

    def test_steps_go_in_order(self, authorization, county_staff):
        with pytest.raises(TransitionError):
            authorization_order_rectification(
                actor=county_staff, authorization=authorization, reason="x"
            )
        authorization_list_abnormal(
            actor=county_staff, authorization=authorization, reason="抽检不符合标准"
        )
        with pytest.raises(TransitionError):
            authorization_list_abnormal(actor=county_staff, authorization=authorization, reason="x")
        with pytest.raises(TransitionError):
            authorization_suspend(actor=county_staff, authorization=authorization, reason="x")
        with pytest.raises(TransitionError):
            authorization_cancel(actor=county_staff, authorization=authorization, reason="x")
        assert authorization_compliance_step(authorization=authorization) == "abnormal_listed"
        assert ComplianceAction.objects.get().reason == AbnormalReason.STANDARD

    def test_serious_cases_cancel_at_once_and_nothing_follows(self, authorization, county_staff):
        authorization_cancel(
            actor=county_staff,
            authorization=authorization,
            reason="产地外产品使用专用标志",
            serious=True,
        )
        authorization.refresh_from_db()
        assert authorization.status == AuthorizationStatus.CANCELLED
        for service in (authorization_restore, authorization_list_abnormal, authorization_cancel):
            with pytest.raises(TransitionError):
                service(actor=county_staff, authorization=authorization, reason="x")

    def test_a_reason_is_required(self, authorization, county_staff):
        with pytest.raises(ValidationError) as exc:
            authorization_list_abnormal(
                actor=county_staff, authorization=authorization, reason="  "
            )
        assert "reason" in exc.value.message_dict
        assert not ComplianceAction.objects.exists()

    def test_only_staff_over_the_authorization(self, authorization, holder_user):
        elsewhere = user("kunming-staff", region="530100")  # 昆明市, another prefecture
        prefecture = user("qujing-staff", region="530300")  # 曲靖市 contains 宣威市
        for actor in (elsewhere, holder_user):
            with pytest.raises(PermissionDenied):
                authorization_list_abnormal(actor=actor, authorization=authorization, reason="x")
        authorization_list_abnormal(actor=prefecture, authorization=authorization, reason="抽检")
        assert ComplianceAction.objects.get().actor == prefecture


# -- derived status and reminders -------------------------------------------------------


def test_effective_status(authorization):
    assert authorization_effective_status(authorization=authorization, today=TODAY) == "valid"
    after = authorization.valid_until + dt.timedelta(days=1)
    assert authorization_effective_status(authorization=authorization, today=after) == "expired"
    authorization.status = AuthorizationStatus.SUSPENDED
    assert authorization_effective_status(authorization=authorization, today=after) == "suspended"


def test_expiry_reminders(ham, holder):
    today = dt.date(2026, 3, 1)
    soon = make_authorization(producer=holder, product=ham, valid_from=dt.date(2021, 4, 15))
    make_authorization(producer=holder, product=ham, valid_from=dt.date(2022, 4, 15))  # 2027
    mark = gi_mark_save(
        mark=GIMark(
            name="演示火腿（演示）",
            mark_type=MarkType.COLLECTIVE,
            registrant=holder,
            registration_date=dt.date(2016, 5, 1),  # term ends 2026-04-30
            is_demo=True,
        )
    )
    mark_term_create_first(mark=mark)
    variety = variety_save(
        variety=PlantVariety(
            denomination="演示花1号（演示）",
            species_zh="月季",
            register=VarietyRegister.YUNNAN_FLOWER,
            plant_type=PlantType.HERBACEOUS,
            owner=holder,
            grant_number="DEMO-1",
            grant_date=dt.date(2021, 5, 20),  # 5 years: ends 2026-05-20
            status=VarietyStatus.GRANTED,
            is_demo=True,
        )
    )
    reminders = expiry_reminders(producer=holder, today=today)
    assert [(r.kind, r.expires) for r in reminders] == [
        (ReminderKind.AUTHORIZATION, dt.date(2026, 4, 15)),
        (ReminderKind.GI_MARK, dt.date(2026, 4, 30)),
        (ReminderKind.VARIETY, dt.date(2026, 5, 20)),
    ]
    assert reminders[0].url == soon.get_absolute_url() and reminders[0].days_left == 45
    assert reminders[2].url == variety.get_absolute_url()
    assert expiry_reminders(producer=holder, today=today, within_days=30) == []
    assert expiry_reminders(producer=demo_producer(2), today=today) == []
