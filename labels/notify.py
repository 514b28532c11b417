"""Tell the people concerned when an application moves (Django's email framework)."""

from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import StaffAssignment
from regions.choices import RegionLevel

from .choices import ApplicationStatus

# Who acts next, by the state an application arrives in.
NEXT_LEVEL = {
    ApplicationStatus.SUBMITTED: RegionLevel.COUNTY,
    ApplicationStatus.PREFECTURE_REVIEW: RegionLevel.PREFECTURE,
    ApplicationStatus.PROVINCE_REVIEW: RegionLevel.PROVINCE,
}


def _applicant_emails(application) -> list[str]:
    User = get_user_model()
    return list(
        User.objects.filter(producer_accounts__producer=application.producer)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def _staff_emails(application, level: str) -> list[str]:
    county = application.county
    # Staff whose jurisdiction contains the county, at the level that acts next.
    ancestors = county.get_ancestors(include_self=True).filter(level=level)
    return list(
        StaffAssignment.objects.filter(region__in=ancestors)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def notify_transition(application, *, action: str, reason: str = "") -> None:
    """Queue the emails for after the commit: a rolled-back step sends nothing."""
    subject = _("Label application #%(pk)s: %(status)s") % {
        "pk": application.pk,
        "status": application.get_status_display(),
    }
    body = "\n".join(
        filter(
            None,
            [
                f"{application.producer} · {application.gi_name}",
                _("Status: %(s)s") % {"s": application.get_status_display()},
                _("Reason: %(r)s") % {"r": reason} if reason else "",
            ],
        )
    )
    recipients = set(_applicant_emails(application))
    level = NEXT_LEVEL.get(application.status)
    if level:
        recipients |= set(_staff_emails(application, level))
    if recipients:
        messages = [(subject, body, None, [r]) for r in sorted(recipients)]
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))
