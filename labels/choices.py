"""Vocabularies of the special-label (专用标志) authorization workflow."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ApplicationKind(models.TextChoices):
    NEW = "new", _("New authorization")
    CHANGE = "change", _("Change (变更) of an authorization")


class UseBasis(models.TextChoices):
    """Why the applicant may lawfully use the label (see DATA.md, lawful users)."""

    AREA_PRODUCER = "area_producer", _("Producer inside the protected area (GI product)")
    COLLECTIVE_MEMBER = "collective_member", _("Member of a GI collective mark's registrant")
    CERTIFICATION_LICENSEE = (
        "certification_licensee",
        _("Filed licensee of a GI certification mark"),
    )


class ApplicationStatus(models.TextChoices):
    """County → prefecture → province linked review (三级联动审核)."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    COUNTY_REVIEW = "county_review", _("County preliminary review")
    PREFECTURE_REVIEW = "prefecture_review", _("Prefecture review")
    PROVINCE_REVIEW = "province_review", _("Province decision pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned for correction")


# Bootstrap colours for status badges (NetBox-style choice colours).
STATUS_COLOURS = {
    ApplicationStatus.DRAFT: "secondary",
    ApplicationStatus.SUBMITTED: "info",
    ApplicationStatus.NOT_ACCEPTED: "dark",
    ApplicationStatus.COUNTY_REVIEW: "primary",
    ApplicationStatus.PREFECTURE_REVIEW: "primary",
    ApplicationStatus.PROVINCE_REVIEW: "primary",
    ApplicationStatus.APPROVED: "success",
    ApplicationStatus.REJECTED: "danger",
    ApplicationStatus.RETURNED: "warning",
}

# Applicants may edit sites, documents and details only in these states.
EDITABLE_STATUSES = (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED)
OPEN_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.COUNTY_REVIEW,
    ApplicationStatus.PREFECTURE_REVIEW,
    ApplicationStatus.PROVINCE_REVIEW,
)


class CheckResult(models.TextChoices):
    """Outcome of the PostGIS site check."""

    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
    MANUAL = "manual", _("Manual verification")


class DocumentKind(models.TextChoices):
    VERIFICATION_REPORT = (
        "verification_report",
        _("Production-area verification report (产地核验报告)"),
    )
    TEST_REPORT = "test_report", _("Test report (检测报告)")
    PROOF_OF_ORIGIN = "proof_of_origin", _("Local-government proof of origin (产地证明)")
    OTHER = "other", _("Other")


REQUIRED_DOCUMENTS = (
    DocumentKind.VERIFICATION_REPORT,
    DocumentKind.TEST_REPORT,
    DocumentKind.PROOF_OF_ORIGIN,
)


class AuthorizationStatus(models.TextChoices):
    # Contexts: the same English words mean other things for marks and dates.
    VALID = "valid", pgettext_lazy("authorization status", "Valid")
    SUSPENDED = "suspended", pgettext_lazy("authorization status", "Suspended")
    CANCELLED = "cancelled", pgettext_lazy("authorization status", "Cancelled")
    EXPIRED = "expired", pgettext_lazy("authorization status", "Expired")


class ComplianceStep(models.TextChoices):
    """After approval: abnormal-use list (异常名录) → rectification → suspension → cancellation."""

    ABNORMAL_LISTED = "abnormal_listed", _("Placed on the abnormal-use list")
    RECTIFICATION = "rectification", _("Rectification ordered")
    SUSPENDED = "suspended", pgettext_lazy("authorization status", "Suspended")
    CANCELLED = "cancelled", pgettext_lazy("authorization status", "Cancelled")
    RESTORED = "restored", _("Restored to normal")


class AbnormalReason(models.TextChoices):
    MISSING_REPORT = "missing_report", _("Annual usage report not filed")
    NON_USE = "non_use", _("Label not used for 2 years")
    STANDARD = "standard", _("Not producing to the standard")
    OTHER = "other", _("Other")
