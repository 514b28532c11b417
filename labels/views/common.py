"""Pieces the portal and the workbench share: the timeline, site summaries, documents."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..choices import REQUIRED_DOCUMENTS, STATUS_COLOURS, ApplicationStatus, CheckResult
from ..models import Application, Authorization

ACTION_LABELS = {
    "create": _("Application created"),
    "update": _("Details changed"),
    "add_site": _("Production site added"),
    "remove_site": _("Production site removed"),
    "add_document": _("Document uploaded"),
    "remove_document": _("Document removed"),
    "submit": _("Submitted"),
    "accept": _("Accepted"),
    "not_accept": _("Not accepted"),
    "onsite_check": _("On-site check recorded"),
    "county_pass": _("Passed by the county"),
    "prefecture_pass": _("Passed by the prefecture"),
    "approve": _("Approved"),
    "reject": _("Rejected"),
    "return": _("Returned for correction"),
}
CHECK_COLOURS = {
    CheckResult.PASS: "success",
    CheckResult.FAIL: "danger",
    CheckResult.MANUAL: "warning",
}


@dataclass
class SiteRow:
    site: object
    reasons: list[str]
    inside_fraction: float | None
    distance_m: float | None
    has_outside: bool
    overlaps: list


def status_colour(status: str) -> str:
    return STATUS_COLOURS.get(status, "secondary")


def check_colour(result: str) -> str:
    return CHECK_COLOURS.get(result, "secondary")


def reason_texts(reasons) -> list[str]:
    """Site-check reasons ({code, zh, en}) in the page's language."""
    chinese = (get_language() or "").startswith("zh")
    out = []
    for reason in reasons or []:
        if isinstance(reason, dict):
            out.append(reason.get("zh" if chinese else "en") or reason.get("en") or "")
        else:
            out.append(str(reason))
    return [r for r in out if r]


def site_rows(application: Application) -> list[SiteRow]:
    rows = []
    for site in application.sites.all():
        details = site.check_details or {}
        rows.append(
            SiteRow(
                site=site,
                reasons=reason_texts(details.get("reasons")),
                inside_fraction=details.get("inside_fraction"),
                distance_m=details.get("distance_to_boundary_m"),
                has_outside=bool(details.get("outside")),
                overlaps=[o.get("producer", "") for o in details.get("overlaps") or []],
            )
        )
    return rows


def timeline(application: Application) -> list[dict]:
    return [
        {
            "event": event,
            "label": ACTION_LABELS.get(event.action, event.action),
            "moved": event.from_status != event.to_status,
        }
        for event in application.events.select_related("actor")
    ]


def missing_documents(application: Application) -> list:
    have = set(application.documents.values_list("kind", flat=True))
    return [kind.label for kind in REQUIRED_DOCUMENTS if kind not in have]


def verify_url(authorization: Authorization | None) -> str | None:
    """The public verification page, once that part of the site is installed."""
    if authorization is None:
        return None
    try:
        return reverse("labels:verify_detail", kwargs={"number": authorization.number})
    except NoReverseMatch:
        return None


def application_authorization(application: Application) -> Authorization | None:
    try:
        return application.authorization
    except Authorization.DoesNotExist:
        return None


def is_overdue(application: Application, today=None) -> bool:
    today = today or timezone.localdate()
    return bool(
        application.status == ApplicationStatus.COUNTY_REVIEW
        and application.onsite_due
        and application.onsite_due < today
    )


def with_counts(queryset):
    return queryset.annotate(
        site_count=Count("sites", distinct=True),
        document_count=Count("documents", distinct=True),
        passed_checks=Count("onsite_checks", filter=Q(onsite_checks__passed=True), distinct=True),
    )
