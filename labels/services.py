"""The special-label workflow: each transition is one atomic, audited service.

Every function here checks permission (labels/rules.py) and state, writes an
ApplicationEvent (who, when, from, to, why), calls ``full_clean()`` and queues
notifications. Views, the admin and the API call these and nothing else.
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from girrepo.dates import add_years

from .choices import (
    REQUIRED_DOCUMENTS,
    ApplicationKind,
    ApplicationStatus,
    AuthorizationStatus,
)
from .models import Application, ApplicationEvent, Authorization, OnSiteCheck
from .notify import notify_transition
from .numbering import format_number, next_serial
from .sitecheck import application_site_check
from .workdays import add_working_days

S = ApplicationStatus


class TransitionError(ValidationError):
    """The application is not in a state that allows this step."""


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update().get(pk=application.pk)


def _require(actor, perm: str, application) -> None:
    if not actor.has_perm(perm, application):
        raise PermissionDenied(_("You may not do this with this application."))


def _require_reason(reason: str) -> None:
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason: the applicant is told it.")})


def _move(application, *, actor, to: str, action: str, reason: str = "") -> Application:
    from_status = application.status
    application.status = to
    application.full_clean()
    application.save()
    ApplicationEvent.objects.create(
        application=application,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=to,
        reason=reason,
    )
    notify_transition(application, action=action, reason=reason)
    return application


def application_log(*, application: Application, actor, action: str, reason: str = "") -> None:
    """An audited step that does not change the status (sites, documents, checks)."""
    ApplicationEvent.objects.create(
        application=application,
        actor=actor,
        action=action,
        from_status=application.status,
        to_status=application.status,
        reason=reason,
    )


@transaction.atomic
def application_submit(*, actor, application: Application) -> Application:
    application = _locked(application)
    _require(actor, "labels.submit_application", application)
    errors = {}
    if not application.sites.exists():
        errors["sites"] = _("Add at least one production site.")
    have = set(application.documents.values_list("kind", flat=True))
    missing = [str(k.label) for k in REQUIRED_DOCUMENTS if k not in have]
    if missing:
        errors["documents"] = _("Missing documents: %(d)s") % {"d": ", ".join(missing)}
    if errors:
        raise ValidationError(errors)
    application_site_check(application=application)
    application.submitted_at = timezone.now()
    return _move(application, actor=actor, to=S.SUBMITTED, action="submit")


@transaction.atomic
def application_accept(*, actor, application: Application, today: date | None = None):
    application = _locked(application)
    _require(actor, "labels.accept_application", application)
    today = today or timezone.localdate()
    application.onsite_due = add_working_days(today, settings.GIRREPO_ONSITE_WORKING_DAYS)
    return _move(application, actor=actor, to=S.COUNTY_REVIEW, action="accept")


@transaction.atomic
def application_not_accept(*, actor, application: Application, reason: str):
    application = _locked(application)
    _require(actor, "labels.accept_application", application)
    _require_reason(reason)
    return _move(application, actor=actor, to=S.NOT_ACCEPTED, action="not_accept", reason=reason)


@transaction.atomic
def application_record_onsite_check(
    *,
    actor,
    application: Application,
    date: date,
    inspectors: str,
    findings: str,
    passed: bool,
    photos=(),
) -> OnSiteCheck:
    application = _locked(application)
    _require(actor, "labels.county_review", application)
    check = OnSiteCheck(
        application=application,
        date=date,
        inspectors=inspectors,
        findings=findings,
        passed=passed,
    )
    check.full_clean()
    check.save()
    for upload in photos:
        photo = check.photos.model(onsite_check=check)
        photo.set_image(upload)
        photo.save()
    application_log(application=application, actor=actor, action="onsite_check", reason=findings)
    return check


@transaction.atomic
def application_county_pass(*, actor, application: Application, reason: str = ""):
    application = _locked(application)
    _require(actor, "labels.county_review", application)
    if not application.onsite_checks.filter(passed=True).exists():
        raise TransitionError(_("Record a passed on-site check before sending the application on."))
    return _move(
        application, actor=actor, to=S.PREFECTURE_REVIEW, action="county_pass", reason=reason
    )


@transaction.atomic
def application_prefecture_pass(*, actor, application: Application, reason: str = ""):
    application = _locked(application)
    _require(actor, "labels.prefecture_review", application)
    return _move(
        application, actor=actor, to=S.PROVINCE_REVIEW, action="prefecture_pass", reason=reason
    )


RETURN_PERMS = {
    S.COUNTY_REVIEW: "labels.county_review",
    S.PREFECTURE_REVIEW: "labels.prefecture_review",
    S.PROVINCE_REVIEW: "labels.province_decide",
}


@transaction.atomic
def application_return(*, actor, application: Application, reason: str):
    """Send back to the applicant for correction, from any review stage."""
    application = _locked(application)
    perm = RETURN_PERMS.get(application.status)
    if perm is None:
        raise TransitionError(_("Only an application under review can be returned."))
    _require(actor, perm, application)
    _require_reason(reason)
    return _move(application, actor=actor, to=S.RETURNED, action="return", reason=reason)


@transaction.atomic
def application_reject(*, actor, application: Application, reason: str):
    application = _locked(application)
    _require(actor, "labels.province_decide", application)
    _require_reason(reason)
    return _move(application, actor=actor, to=S.REJECTED, action="reject", reason=reason)


def _gi_reference(application: Application) -> str:
    product, mark = application.product, application.mark
    if product is not None:
        standards = (
            list(product.standards.values_list("code", flat=True))
            if hasattr(product, "standards")
            else []
        )
        return " ".join(standards) or (product.announcement_number or "")
    return mark.registration_number if mark is not None else ""


@transaction.atomic
def application_approve(*, actor, application: Application, reason: str = "", today=None):
    """The province's approval: the application is approved and, in the same
    transaction, its authorization is issued with the next gapless number."""
    application = _locked(application)
    _require(actor, "labels.province_decide", application)
    today = today or timezone.localdate()
    _move(application, actor=actor, to=S.APPROVED, action="approve", reason=reason)
    producer = application.producer
    if application.kind == ApplicationKind.CHANGE:
        authorization = Authorization.objects.select_for_update().get(pk=application.changes_id)
        authorization.credit_code = producer.credit_code
        authorization.gi_reference = _gi_reference(application)
        authorization.full_clean()
        authorization.save()
        return authorization
    year = today.year
    serial = next_serial(year=year)
    years = settings.GIRREPO_AUTHORIZATION_YEARS
    authorization = Authorization(
        number=format_number(year, serial),
        year=year,
        serial=serial,
        application=application,
        producer=producer,
        product=application.product,
        mark=application.mark,
        credit_code=producer.credit_code,
        gi_name=application.gi_name,
        gi_reference=_gi_reference(application),
        valid_from=today,
        valid_until=add_years(today, years) if years else None,
        status=AuthorizationStatus.VALID,
    )
    authorization.full_clean()
    authorization.save()
    return authorization
