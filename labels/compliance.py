"""After approval: annual usage reports, the compliance scan, and the staff's
abnormal-use list (异常名录) → rectification → suspension → cancellation chain.

Every write is atomic and audited: an AnnualReport (with its history) or a
ComplianceAction (who, when, which step, why). Where a user acts, permission is
asked of labels/rules.py. The holder is told by email after the commit.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mass_mail
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from brands.choices import IN_FORCE_STATUSES
from brands.models import MarkUse
from brands.selectors import famous_mark_list, gi_mark_list
from girrepo.dates import add_years
from varieties.models import PlantVariety
from varieties.selectors import varieties_in_force_q

from .choices import AbnormalReason, AuthorizationStatus, ComplianceStep
from .models import AnnualReport, Authorization, ComplianceAction
from .services import TransitionError

Step = ComplianceStep

# The annual usage report for year Y is due by this (month, day) of year Y + 1;
# ``settings.GIRREPO_ANNUAL_REPORT_DUE`` overrides it. March 31 leaves the first
# quarter for counting last year's labels, as annual enterprise reports do.
DEFAULT_REPORT_DUE = (3, 31)
# Not using the label for this many report years leads to the abnormal-use list.
NON_USE_YEARS = 2

# The chain only moves forward; a restoration closes the case.
STEP_RANK = {Step.ABNORMAL_LISTED: 1, Step.RECTIFICATION: 2, Step.SUSPENDED: 3, Step.CANCELLED: 4}


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def report_due_date(year: int) -> dt.date:
    """The last day to file the annual usage report for ``year``."""
    month, day = getattr(settings, "GIRREPO_ANNUAL_REPORT_DUE", DEFAULT_REPORT_DUE)
    return dt.date(year + 1, month, day)


def latest_overdue_year(today: dt.date) -> int:
    """The most recent year whose report deadline has passed on ``today``."""
    year = today.year - 1
    return year if report_due_date(year) < today else year - 1


def authorization_effective_status(*, authorization: Authorization, today=None) -> str:
    """The stored status, except that a valid authorization past its last day is expired:
    the calendar decides that, not a nightly job."""
    if (
        authorization.status == AuthorizationStatus.VALID
        and authorization.valid_until is not None
        and authorization.valid_until < _today(today)
    ):
        return AuthorizationStatus.EXPIRED
    return authorization.status


def _open_case(actions) -> list[ComplianceAction]:
    """The actions since the last restoration (``actions`` in time order)."""
    case: list = []
    for action in actions:
        case = [] if action.step == Step.RESTORED else [*case, action]
    return case


def _current_step(case) -> str | None:
    return max((a.step for a in case), key=STEP_RANK.__getitem__, default=None)


def authorization_compliance_step(*, authorization: Authorization) -> str | None:
    """Where the authorization stands in the chain; None when no case is open."""
    actions = authorization.compliance_actions.order_by("at", "id")
    return _current_step(_open_case(actions))


# -- annual usage reports -----------------------------------------------------


@transaction.atomic
def annual_report_file(
    *,
    actor,
    authorization: Authorization,
    year: int,
    labels_printed: int,
    labels_used: int,
    output: Decimal | None = None,
    today: dt.date | None = None,
) -> AnnualReport:
    """The holder's yearly disclosure of label use: one per year, no more used than printed."""
    authorization = Authorization.objects.select_for_update().get(pk=authorization.pk)
    if not actor.has_perm("labels.file_annual_report", authorization):
        raise PermissionDenied(_("Only the holder files the annual report of an authorization."))
    today = _today(today)
    errors = {}
    if year is not None and not authorization.valid_from.year <= year <= today.year:
        errors["year"] = _("Report a year from %(first)s to %(last)s.") % {
            "first": authorization.valid_from.year,
            "last": today.year,
        }
    elif authorization.annual_reports.filter(year=year).exists():
        errors["year"] = _("The report for %(year)s has been filed.") % {"year": year}
    if errors:
        raise ValidationError(errors)
    report = AnnualReport(
        authorization=authorization,
        year=year,
        labels_printed=labels_printed,
        labels_used=labels_used,
        output=output,
        filed_by=actor,
    )
    report.full_clean()
    report.save()
    return report


# -- the compliance scan --------------------------------------------------------


@dataclass
class ScanSummary:
    """What one compliance scan found; numbers are authorization numbers newly listed."""

    today: dt.date
    checked: int = 0
    missing_report: list[str] = field(default_factory=list)
    non_use: list[str] = field(default_factory=list)
    already_listed: int = 0

    def __str__(self) -> str:
        return gettext(
            "%(checked)d authorizations checked on %(today)s: %(missing)d newly listed for "
            "missing annual reports, %(non_use)d for non-use; %(already)d already listed."
        ) % {
            "checked": self.checked,
            "today": self.today.isoformat(),
            "missing": len(self.missing_report),
            "non_use": len(self.non_use),
            "already": self.already_listed,
        }


def _findings(today: dt.date) -> tuple[int, dict[int, list[tuple[str, str]]]]:
    """Authorizations in force with reports missing or labels unused: {pk: [(reason, details)]}."""
    overdue_year = latest_overdue_year(today)
    non_use_since = add_years(today, -NON_USE_YEARS)
    recent_years = set(range(overdue_year - NON_USE_YEARS + 1, overdue_year + 1))
    in_force = Authorization.objects.filter(
        status__in=(AuthorizationStatus.VALID, AuthorizationStatus.SUSPENDED)
    ).exclude(valid_until__lt=today)
    reports: dict[int, dict[int, int]] = {}
    for pk, year, used in AnnualReport.objects.filter(authorization__in=in_force).values_list(
        "authorization_id", "year", "labels_used"
    ):
        reports.setdefault(pk, {})[year] = used
    checked, found = 0, {}
    for pk, valid_from in in_force.values_list("pk", "valid_from"):
        checked += 1
        filed = reports.get(pk, {})
        due = range(valid_from.year, overdue_year + 1)
        missing = [str(y) for y in due if y not in filed]
        if missing:
            details = gettext("Annual reports not filed for: %(years)s") % {
                "years": ", ".join(missing)
            }
            found.setdefault(pk, []).append((AbnormalReason.MISSING_REPORT, details))
        if valid_from <= non_use_since and not any(filed.get(y, 0) > 0 for y in recent_years):
            details = gettext("No labels used in %(years)s") % {
                "years": ", ".join(str(y) for y in sorted(recent_years))
            }
            found.setdefault(pk, []).append((AbnormalReason.NON_USE, details))
    return checked, found


@transaction.atomic
def compliance_scan(*, today: dt.date | None = None) -> ScanSummary:
    """Put authorizations with missing annual reports or 2 years of non-use on the
    abnormal-use list. Idempotent: an open listing for the same reason is never
    repeated, and concurrent scans queue on the authorization rows."""
    summary = ScanSummary(today=_today(today))
    summary.checked, found = _findings(summary.today)
    locked = Authorization.objects.select_for_update().filter(pk__in=found).order_by("pk")
    listed: dict[int, list[ComplianceAction]] = {}
    for action in ComplianceAction.objects.filter(authorization__in=found).order_by(
        "authorization_id", "at", "id"
    ):
        listed.setdefault(action.authorization_id, []).append(action)
    for authorization in locked:
        case = _open_case(listed.get(authorization.pk, []))
        open_reasons = {a.reason for a in case if a.step == Step.ABNORMAL_LISTED}
        for reason, details in found[authorization.pk]:
            if reason in open_reasons:
                summary.already_listed += 1
                continue
            _record(authorization, step=Step.ABNORMAL_LISTED, grounds=reason, reason=details)
            target = (
                summary.missing_report
                if reason == AbnormalReason.MISSING_REPORT
                else summary.non_use
            )
            target.append(authorization.number)
    return summary


# -- the staff's chain ---------------------------------------------------------

# The steps each step may follow (None: no open case).
ALLOWED_FROM = {
    Step.ABNORMAL_LISTED: (None,),
    Step.RECTIFICATION: (Step.ABNORMAL_LISTED,),
    Step.SUSPENDED: (Step.RECTIFICATION,),
    Step.CANCELLED: (Step.SUSPENDED,),
    Step.RESTORED: (Step.ABNORMAL_LISTED, Step.RECTIFICATION, Step.SUSPENDED),
}
ORDER_ERRORS = {
    Step.ABNORMAL_LISTED: _("This authorization is already on the abnormal-use list."),
    Step.RECTIFICATION: _(
        "Order rectification only for an authorization on the abnormal-use list."
    ),
    Step.SUSPENDED: _("Suspend only after rectification was ordered."),
    Step.CANCELLED: _(
        "Cancel only a suspended authorization, or mark the case as serious to cancel at once."
    ),
    Step.RESTORED: _("There is no open compliance case to close."),
}
NEW_STATUS = {
    Step.SUSPENDED: AuthorizationStatus.SUSPENDED,
    Step.CANCELLED: AuthorizationStatus.CANCELLED,
    Step.RESTORED: AuthorizationStatus.VALID,
}


def _record(authorization, *, step: str, grounds: str, reason: str, actor=None):
    action = ComplianceAction(
        authorization=authorization, step=step, reason=grounds, details=reason, actor=actor
    )
    action.full_clean()
    action.save()
    _notify_holder(authorization, step=step, reason=reason)
    return action


def _staff_step(
    *, actor, authorization, step: str, reason: str, grounds: str | None, serious: bool = False
) -> ComplianceAction:
    authorization = Authorization.objects.select_for_update().get(pk=authorization.pk)
    if not actor.has_perm("labels.supervise_authorization", authorization):
        raise PermissionDenied(_("You do not supervise this authorization."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {
                "reason": _(
                    "Give the reason: the holder is told it, and a cancellation's is published."
                )
            }
        )
    if authorization.status == AuthorizationStatus.CANCELLED:
        raise TransitionError(_("This authorization is cancelled; nothing follows a cancellation."))
    case = _open_case(authorization.compliance_actions.order_by("at", "id"))
    if not (serious and step == Step.CANCELLED) and _current_step(case) not in ALLOWED_FROM[step]:
        raise TransitionError(ORDER_ERRORS[step])
    if grounds is None:
        grounds = case[-1].reason if case else AbnormalReason.OTHER
    action = _record(authorization, step=step, grounds=grounds, reason=reason, actor=actor)
    authorization.status = NEW_STATUS.get(step, authorization.status)
    authorization.status_reason = reason
    authorization.status_changed = timezone.now()
    authorization.full_clean()
    authorization.save()
    return action


@transaction.atomic
def authorization_list_abnormal(
    *, actor, authorization: Authorization, reason: str, grounds: str = AbnormalReason.STANDARD
) -> ComplianceAction:
    """Staff put an authorization on the abnormal-use list, e.g. for not producing to
    the standard (the scan lists missing reports and non-use by itself)."""
    return _staff_step(
        actor=actor,
        authorization=authorization,
        step=Step.ABNORMAL_LISTED,
        reason=reason,
        grounds=grounds,
    )


@transaction.atomic
def authorization_order_rectification(
    *, actor, authorization: Authorization, reason: str, grounds: str | None = None
) -> ComplianceAction:
    return _staff_step(
        actor=actor,
        authorization=authorization,
        step=Step.RECTIFICATION,
        reason=reason,
        grounds=grounds,
    )


@transaction.atomic
def authorization_suspend(
    *, actor, authorization: Authorization, reason: str, grounds: str | None = None
) -> ComplianceAction:
    return _staff_step(
        actor=actor,
        authorization=authorization,
        step=Step.SUSPENDED,
        reason=reason,
        grounds=grounds,
    )


@transaction.atomic
def authorization_cancel(
    *,
    actor,
    authorization: Authorization,
    reason: str,
    grounds: str | None = None,
    serious: bool = False,
) -> ComplianceAction:
    """Cancel after suspension, or at once when ``serious``. The cancellation and its
    reason are published on /verify/cancelled/ and on the verification page."""
    return _staff_step(
        actor=actor,
        authorization=authorization,
        step=Step.CANCELLED,
        reason=reason,
        grounds=grounds,
        serious=serious,
    )


@transaction.atomic
def authorization_restore(*, actor, authorization: Authorization, reason: str) -> ComplianceAction:
    """Close an open case (rectified, report filed…): the authorization is valid again."""
    return _staff_step(
        actor=actor, authorization=authorization, step=Step.RESTORED, reason=reason, grounds=None
    )


def _notify_holder(authorization: Authorization, *, step: str, reason: str) -> None:
    """Queue an email to the holder's accounts for after the commit."""
    User = get_user_model()
    recipients = sorted(
        set(
            User.objects.filter(producer_accounts__producer_id=authorization.producer_id)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )
    if not recipients:
        return
    subject = gettext("Label authorization %(number)s: %(step)s") % {
        "number": authorization.number,
        "step": Step(step).label,
    }
    body = "\n".join(
        [
            f"{authorization.producer.name} · {authorization.gi_name}",
            gettext("Step: %(s)s") % {"s": Step(step).label},
            gettext("Reason: %(r)s") % {"r": reason},
        ]
    )
    messages = [(subject, body, None, [r]) for r in recipients]
    transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))


# -- reminders for the portal ----------------------------------------------------


class ReminderKind(models.TextChoices):
    AUTHORIZATION = "authorization", _("Label authorization")
    GI_MARK = "gi_mark", _("GI mark registration term")
    MARK_USE = "mark_use", _("GI mark licence or membership")
    FAMOUS_MARK = "famous_mark", _("Famous mark recognition")
    VARIETY = "variety", _("Plant variety protection")


@dataclass(frozen=True)
class ExpiryReminder:
    kind: str
    label: str
    expires: dt.date
    days_left: int
    url: str

    @property
    def kind_label(self) -> str:
        return ReminderKind(self.kind).label


def expiry_reminders(
    *, producer, today: dt.date | None = None, within_days: int = 90
) -> list[ExpiryReminder]:
    """What the producer holds that ends within ``within_days`` (today included),
    soonest first: authorizations, GI mark terms and licences, famous-mark
    recognitions and plant variety protection."""
    today = _today(today)
    until = today + dt.timedelta(days=within_days)
    window = {"gte": today, "lte": until}

    def between(field_name: str) -> dict:
        return {f"{field_name}__{op}": day for op, day in window.items()}

    found: list[tuple[str, str, dt.date, str]] = []
    for a in Authorization.objects.filter(
        producer=producer, status=AuthorizationStatus.VALID, **between("valid_until")
    ):
        found.append((ReminderKind.AUTHORIZATION, f"{a.number} · {a.gi_name}", a.valid_until, a))
    for mark in gi_mark_list(today=today).filter(
        registrant=producer, effective_status__in=IN_FORCE_STATUSES, **between("current_expiry")
    ):
        found.append((ReminderKind.GI_MARK, mark.name, mark.current_expiry, mark))
    for use in MarkUse.objects.select_related("mark").filter(producer=producer, **between("end")):
        found.append((ReminderKind.MARK_USE, use.mark.name, use.end, use.mark))
    for famous in famous_mark_list(today=today).filter(
        holder=producer, is_current=True, **between("valid_until")
    ):
        found.append((ReminderKind.FAMOUS_MARK, famous.name, famous.valid_until, famous))
    for variety in PlantVariety.objects.filter(
        varieties_in_force_q(today=today), owner=producer, protection_expires__lte=until
    ):
        found.append(
            (ReminderKind.VARIETY, variety.denomination, variety.protection_expires, variety)
        )
    reminders = [
        ExpiryReminder(
            kind=kind,
            label=label,
            expires=expires,
            days_left=(expires - today).days,
            url=obj.get_absolute_url(),
        )
        for kind, label, expires, obj in found
    ]
    return sorted(reminders, key=lambda r: (r.expires, r.kind, r.label))
