"""The special-label workflow end to end: services with each role, then the same through HTTP.

draft → submitted → county review (on-site check due in 10 working days) → prefecture →
province → approved with a gapless YN-GI number; and the not-accepted, returned and
rejected paths, each with its reason, audit row and emails.
"""

from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from labels import intake, services
from labels.choices import REQUIRED_DOCUMENTS, ApplicationStatus, CheckResult, DocumentKind
from labels.models import Application, ApplicationEvent, Authorization, Holiday, OnSiteCheck
from tests.label_factories import (
    CHUXIONG,
    HAM_STANDARD,
    LULIANG,
    LULIANG_POINT,
    PROVINCE,
    QUJING,
    XUANWEI,
    advance,
    draft,
    ham_product,
    make_producer,
    make_user,
    pdf_upload,
    png_upload,
    site_point,
)

pytestmark = pytest.mark.django_db
S = ApplicationStatus
MONDAY = date(2025, 3, 3)


@pytest.fixture
def ham():
    return ham_product()


@pytest.fixture
def cast(ham):
    """Everyone in the Xuanwei case, plus staff who must stay out of it."""
    producer = make_producer("测试·宣威火腿厂 (test)", XUANWEI, "91530381MA0BBB001")
    other = make_producer("测试·陆良食品厂 (test)", LULIANG, "91530322MA0CCC002")
    return {
        "product": ham,
        "producer": producer,
        "other": other,
        "applicant": make_user("coop", producer=producer),
        "other_applicant": make_user("coop-b", producer=other),
        "county": make_user("xuanwei", staff_of=XUANWEI),
        "other_county": make_user("luliang", staff_of=LULIANG),
        "prefecture": make_user("qujing", staff_of=QUJING),
        "other_prefecture": make_user("chuxiong", staff_of=CHUXIONG),
        "province": make_user("yunnan", staff_of=PROVINCE),
    }


def roles(cast):
    return {k: cast[k] for k in ("applicant", "county", "prefecture", "province")}


def recipients() -> set[str]:
    return {to for message in mail.outbox for to in message.to}


# -- the happy path -----------------------------------------------------------


def test_full_workflow_through_the_services(cast, django_capture_on_commit_callbacks):
    applicant, county = cast["applicant"], cast["county"]
    prefecture, province = cast["prefecture"], cast["province"]
    with django_capture_on_commit_callbacks(execute=True):
        application = draft(applicant, cast["producer"], cast["product"])
        assert application.status == S.DRAFT and application.county.code == XUANWEI
        site = application.sites.get()
        assert site.check_result == CheckResult.PASS  # checked as soon as it was added

        services.application_submit(actor=applicant, application=application)
    application.refresh_from_db()
    assert application.status == S.SUBMITTED and application.submitted_at is not None
    assert application.site_check_result == CheckResult.PASS
    # The county that acts next and the applicant are told; nobody else.
    assert recipients() == {"xuanwei@example.test", "coop@example.test"}

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_accept(actor=county, application=application, today=MONDAY)
    application.refresh_from_db()
    assert application.status == S.COUNTY_REVIEW
    assert application.onsite_due == date(2025, 3, 17)  # 10 working days after Monday 3 March
    assert recipients() == {"coop@example.test"}

    check = services.application_record_onsite_check(
        actor=county,
        application=application,
        date=date(2025, 3, 5),
        inspectors="测试检查员甲、乙 (test)",
        findings="加工车间位于宣威市，与申报一致。",
        passed=True,
        photos=[png_upload()],
    )
    assert check.photos.count() == 1 and check.photos.get().thumbnail

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_county_pass(actor=county, application=application)
    assert recipients() == {"qujing@example.test", "coop@example.test"}

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_prefecture_pass(actor=prefecture, application=application)
    assert recipients() == {"yunnan@example.test", "coop@example.test"}

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        authorization = services.application_approve(
            actor=province, application=application, today=date(2030, 5, 6)
        )
    assert authorization.number == "YN-GI-2030-00001"
    assert (authorization.year, authorization.serial) == (2030, 1)
    assert authorization.valid_from == date(2030, 5, 6)
    assert authorization.valid_until == date(2035, 5, 6)
    credit_code = cast["producer"].credit_code
    assert authorization.credit_code == credit_code
    assert authorization.gi_name == "宣威火腿" and authorization.gi_reference == HAM_STANDARD
    for part in (credit_code, "宣威火腿", HAM_STANDARD):
        assert part in authorization.label_text
    assert recipients() == {"coop@example.test"}
    assert "宣威火腿" in mail.outbox[0].body

    events = list(application.events.order_by("at", "id"))
    moves = [(e.action, e.from_status, e.to_status, e.actor.username) for e in events]
    assert [m for m in moves if m[1] != m[2]] == [
        ("submit", S.DRAFT, S.SUBMITTED, "coop"),
        ("accept", S.SUBMITTED, S.COUNTY_REVIEW, "xuanwei"),
        ("county_pass", S.COUNTY_REVIEW, S.PREFECTURE_REVIEW, "xuanwei"),
        ("prefecture_pass", S.PREFECTURE_REVIEW, S.PROVINCE_REVIEW, "qujing"),
        ("approve", S.PROVINCE_REVIEW, S.APPROVED, "yunnan"),
    ]
    logged = [e.action for e in events if e.from_status == e.to_status]
    assert logged == ["create", "add_site", *["add_document"] * 3, "onsite_check"]


def test_second_approval_of_the_year_takes_the_next_number(cast):
    first = advance(
        draft(cast["applicant"], cast["producer"], cast["product"]),
        to=S.PROVINCE_REVIEW,
        **roles(cast),
    )
    second = advance(
        draft(cast["applicant"], cast["producer"], cast["product"]),
        to=S.PROVINCE_REVIEW,
        **roles(cast),
    )
    day = date(2030, 1, 2)
    a = services.application_approve(actor=cast["province"], application=first, today=day)
    b = services.application_approve(actor=cast["province"], application=second, today=day)
    assert (a.number, b.number) == ("YN-GI-2030-00001", "YN-GI-2030-00002")
    c = services.application_approve(
        actor=cast["province"],
        application=advance(
            draft(cast["applicant"], cast["producer"], cast["product"]),
            to=S.PROVINCE_REVIEW,
            **roles(cast),
        ),
        today=date(2031, 1, 2),
    )
    assert c.number == "YN-GI-2031-00001"  # numbering restarts each year


def test_holidays_move_the_onsite_due_date(cast):
    first = advance(
        draft(cast["applicant"], cast["producer"], cast["product"]), to=S.SUBMITTED, **roles(cast)
    )
    Holiday.objects.create(date=date(2025, 3, 10), name="测试假日 (test)")
    Holiday.objects.create(date=date(2025, 3, 11), name="测试假日 (test)")
    services.application_accept(actor=cast["county"], application=first, today=MONDAY)
    first.refresh_from_db()
    assert first.onsite_due == date(2025, 3, 19)  # two holidays: two days later
    # A weekend declared a working day (调休) brings the date back by one.
    second = advance(
        draft(cast["applicant"], cast["producer"], cast["product"]), to=S.SUBMITTED, **roles(cast)
    )
    Holiday.objects.create(date=date(2025, 3, 8), name="调休 (test)", is_working_day=True)
    services.application_accept(actor=cast["county"], application=second, today=MONDAY)
    second.refresh_from_db()
    assert second.onsite_due == date(2025, 3, 18)


# -- the other paths ---------------------------------------------------------


def test_not_accepted_needs_a_reason(cast, django_capture_on_commit_callbacks):
    application = advance(
        draft(cast["applicant"], cast["producer"], cast["product"]), to=S.SUBMITTED, **roles(cast)
    )
    events = application.events.count()
    with pytest.raises(ValidationError) as exc:
        services.application_not_accept(actor=cast["county"], application=application, reason=" ")
    assert "reason" in exc.value.message_dict
    application.refresh_from_db()
    assert application.status == S.SUBMITTED and application.events.count() == events
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_not_accept(
            actor=cast["county"], application=application, reason="申请人不在本县。"
        )
    application.refresh_from_db()
    assert application.status == S.NOT_ACCEPTED
    event = application.events.last()
    assert (event.action, event.reason, event.actor) == (
        "not_accept",
        "申请人不在本县。",
        cast["county"],
    )
    assert recipients() == {"coop@example.test"} and "申请人不在本县。" in mail.outbox[0].body


def test_returned_application_is_corrected_and_submitted_again(cast):
    application = advance(
        draft(cast["applicant"], cast["producer"], cast["product"]),
        to=S.PREFECTURE_REVIEW,
        **roles(cast),
    )
    with pytest.raises(ValidationError):
        services.application_return(actor=cast["prefecture"], application=application, reason="")
    services.application_return(
        actor=cast["prefecture"], application=application, reason="补充二号车间的位置。"
    )
    application.refresh_from_db()
    assert application.status == S.RETURNED
    assert cast["applicant"].has_perm("labels.edit_application", application)
    intake.application_add_site(
        actor=cast["applicant"], application=application, geometry=site_point(104.2, 26.3)
    )
    services.application_submit(actor=cast["applicant"], application=application)
    application.refresh_from_db()
    assert application.status == S.SUBMITTED and application.sites.count() == 2
    assert [e.to_status for e in application.events.all() if e.from_status != e.to_status][-2:] == [
        S.RETURNED,
        S.SUBMITTED,
    ]


def test_province_rejects_with_reasons(cast, django_capture_on_commit_callbacks):
    application = advance(
        draft(cast["applicant"], cast["producer"], cast["product"]),
        to=S.PROVINCE_REVIEW,
        **roles(cast),
    )
    with pytest.raises(ValidationError):
        services.application_reject(actor=cast["province"], application=application, reason="")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_reject(
            actor=cast["province"], application=application, reason="检测报告不符合标准。"
        )
    application.refresh_from_db()
    assert application.status == S.REJECTED
    assert not Authorization.objects.filter(application=application).exists()
    assert application.events.last().reason == "检测报告不符合标准。"
    assert recipients() == {"coop@example.test"}


def test_county_cannot_pass_without_a_passed_onsite_check(cast):
    application = advance(
        draft(cast["applicant"], cast["producer"], cast["product"]),
        to=S.COUNTY_REVIEW,
        **roles(cast),
    )
    services.application_record_onsite_check(
        actor=cast["county"],
        application=application,
        date=MONDAY,
        inspectors="测试检查员 (test)",
        findings="车间不在申报地址。",
        passed=False,
    )
    with pytest.raises(services.TransitionError):
        services.application_county_pass(actor=cast["county"], application=application)
    application.refresh_from_db()
    assert application.status == S.COUNTY_REVIEW
    assert not application.events.filter(action="county_pass").exists()


def test_submission_names_what_is_missing_and_saves_nothing(cast):
    application = draft(
        cast["applicant"],
        cast["producer"],
        cast["product"],
        with_site=False,
        documents=[DocumentKind.TEST_REPORT],
    )
    with pytest.raises(ValidationError) as exc:
        services.application_submit(actor=cast["applicant"], application=application)
    errors = exc.value.message_dict
    assert set(errors) == {"sites", "documents"}
    assert "Production-area verification report" in errors["documents"][0]
    assert "Local-government proof of origin" in errors["documents"][0]
    application.refresh_from_db()
    assert application.status == S.DRAFT and application.submitted_at is None
    assert not application.events.filter(action="submit").exists()


def test_a_failing_approval_saves_nothing(cast, monkeypatch, django_capture_on_commit_callbacks):
    application = advance(
        draft(cast["applicant"], cast["producer"], cast["product"]),
        to=S.PROVINCE_REVIEW,
        **roles(cast),
    )

    def broken(**kwargs):
        raise RuntimeError("numbering unavailable")

    monkeypatch.setattr(services, "next_serial", broken)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        services.application_approve(actor=cast["province"], application=application)
    application.refresh_from_db()
    assert application.status == S.PROVINCE_REVIEW
    assert not ApplicationEvent.objects.filter(application=application, action="approve").exists()
    assert not Authorization.objects.exists()
    assert mail.outbox == []


def test_site_outside_the_area_fails_the_check(cast):
    application = draft(cast["applicant"], cast["producer"], cast["product"], with_site=False)
    site = intake.application_add_site(
        actor=cast["applicant"], application=application, geometry=site_point(*LULIANG_POINT)
    )
    assert site.check_result == CheckResult.FAIL
    application.refresh_from_db()
    assert application.site_check_result == CheckResult.FAIL
    intake.application_remove_site(actor=cast["applicant"], application=application, site=site)
    application.refresh_from_db()
    assert application.site_check_result == "" and not application.sites.exists()


# -- who may do what, step by step -------------------------------------------

STEPS = {
    S.DRAFT: ("submit", lambda actor, a: services.application_submit(actor=actor, application=a)),
    S.SUBMITTED: (
        "accept",
        lambda actor, a: services.application_accept(actor=actor, application=a),
    ),
    S.COUNTY_REVIEW: (
        "county_pass",
        lambda actor, a: services.application_return(actor=actor, application=a, reason="x"),
    ),
    S.PREFECTURE_REVIEW: (
        "prefecture_pass",
        lambda actor, a: services.application_prefecture_pass(actor=actor, application=a),
    ),
    S.PROVINCE_REVIEW: (
        "approve",
        lambda actor, a: services.application_approve(actor=actor, application=a),
    ),
}
ALLOWED = {
    S.DRAFT: "applicant",
    S.SUBMITTED: "county",
    S.COUNTY_REVIEW: "county",
    S.PREFECTURE_REVIEW: "prefecture",
    S.PROVINCE_REVIEW: "province",
}
EVERYONE = [
    "applicant",
    "other_applicant",
    "county",
    "other_county",
    "prefecture",
    "other_prefecture",
    "province",
]


@pytest.mark.parametrize("status", list(STEPS))
def test_only_the_acting_level_in_scope_may_move_the_application(cast, status):
    application = draft(cast["applicant"], cast["producer"], cast["product"])
    if status != S.DRAFT:
        advance(application, to=status, **roles(cast))
    _name, step = STEPS[status]
    for who in EVERYONE:
        if who == ALLOWED[status]:
            continue
        with pytest.raises(PermissionDenied):
            step(cast[who], application)
        application.refresh_from_db()
        assert application.status == status, who
    step(cast[ALLOWED[status]], application)
    application.refresh_from_db()
    assert application.status != status


def test_onsite_check_is_the_county_s_alone(cast):
    application = advance(
        draft(cast["applicant"], cast["producer"], cast["product"]),
        to=S.COUNTY_REVIEW,
        **roles(cast),
    )
    for who in ("applicant", "other_county", "prefecture", "province"):
        with pytest.raises(PermissionDenied):
            services.application_record_onsite_check(
                actor=cast[who],
                application=application,
                date=MONDAY,
                inspectors="x",
                findings="x",
                passed=True,
            )
    assert not OnSiteCheck.objects.exists()


def test_applicant_cannot_edit_once_submitted(cast):
    application = advance(
        draft(cast["applicant"], cast["producer"], cast["product"]), to=S.SUBMITTED, **roles(cast)
    )
    with pytest.raises(PermissionDenied):
        intake.application_add_site(
            actor=cast["applicant"], application=application, geometry=site_point()
        )
    with pytest.raises(PermissionDenied):
        intake.application_update(actor=cast["applicant"], application=application, varieties="x")
    assert application.sites.count() == 1


def test_nobody_applies_for_someone_else_s_producer(cast):
    with pytest.raises(PermissionDenied):
        intake.application_create(
            actor=cast["other_applicant"], producer=cast["producer"], product=cast["product"]
        )
    with pytest.raises(PermissionDenied):
        intake.application_create(
            actor=cast["county"], producer=cast["producer"], product=cast["product"]
        )


def test_required_documents_are_the_three_named_in_the_procedure():
    assert set(REQUIRED_DOCUMENTS) == {
        DocumentKind.VERIFICATION_REPORT,
        DocumentKind.TEST_REPORT,
        DocumentKind.PROOF_OF_ORIGIN,
    }


# -- the same through the HTTP views -------------------------------------------


def test_full_workflow_through_the_pages(client, cast, django_capture_on_commit_callbacks):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(cast["applicant"])
    response = client.post(
        reverse("labels:application_new"),
        {
            "producer": cast["producer"].pk,
            "basis": "area_producer",
            "product": cast["product"].pk,
            "output_unit": "吨",
        },
    )
    application = Application.objects.get()
    assert response.status_code == 302
    pk = {"pk": application.pk}
    response = client.post(
        reverse("labels:application_site_add", kwargs=pk),
        {"mode": "coords", "coords-coordinates": "104.104, 26.219", "coords-crs": "wgs84"},
    )
    assert response.status_code == 302
    for kind in REQUIRED_DOCUMENTS:
        response = client.post(
            reverse("labels:application_document_add", kwargs=pk),
            {"kind": kind, "file": pdf_upload()},
        )
        assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("labels:application_submit", kwargs=pk))
    assert response.status_code == 302
    assert "xuanwei@example.test" in recipients()

    def staff_post(user, action, data=None, expect=302):
        client.force_login(user)
        url = reverse("labels:review_action", kwargs={**pk, "action": action})
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data or {})
        assert response.status_code == expect, response.content.decode()[:2000]
        application.refresh_from_db()
        return response

    staff_post(cast["county"], "accept")
    assert application.status == S.COUNTY_REVIEW and application.onsite_due is not None
    staff_post(
        cast["county"],
        "onsite_check",
        {
            "date": "2025-03-05",
            "inspectors": "测试检查员 (test)",
            "findings": "一致。",
            "passed": "on",
            "photos": [png_upload("a.png"), png_upload("b.png")],
        },
    )
    assert application.onsite_checks.get().photos.count() == 2
    staff_post(cast["prefecture"], "prefecture_pass", expect=403)  # not yet its turn
    staff_post(cast["county"], "county_pass")
    assert application.status == S.PREFECTURE_REVIEW
    staff_post(cast["prefecture"], "prefecture_pass", {"reason": "同意。"})
    assert application.status == S.PROVINCE_REVIEW
    mail.outbox.clear()
    response = staff_post(cast["province"], "approve")
    authorization = Authorization.objects.get(application=application)
    assert application.status == S.APPROVED
    assert recipients() == {"coop@example.test"}
    page = client.get(response["Location"])
    assert authorization.number in page.content.decode()
    assert authorization.label_text in page.content.decode()
    client.force_login(cast["applicant"])
    portal = client.get(reverse("labels:portal")).content.decode()
    assert authorization.number in portal
    verify = client.get(reverse("labels:verify_detail", kwargs={"number": authorization.number}))
    assert verify.status_code == 200 and 'data-status="valid"' in verify.content.decode()
