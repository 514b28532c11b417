"""The cooperative portal: what a producer holds, reminders, authorizations and reports."""

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from brands.models import MarkUse
from brands.selectors import famous_mark_list, gi_mark_list
from producers.models import Producer
from varieties.models import PlantVariety

from .. import compliance, intake
from ..choices import ApplicationStatus, AuthorizationStatus
from ..forms import AnnualReportForm, ChangeApplicationForm, add_service_errors
from .common import verify_url, with_counts
from .scopes import portal_applications, portal_authorizations, producer_required

REMINDER_DAYS = 90


@dataclass
class Reminder:
    due: date | None
    text: str
    url: str = ""
    urgent: bool = False


def _report_reminders(authorizations, today: date) -> list[Reminder]:
    """Annual usage reports not filed for a year since approval (due by the deadline)."""
    out = []
    for auth in authorizations:
        if auth.status != AuthorizationStatus.VALID:
            continue
        filed = {r.year for r in auth.annual_reports.all()}
        for year in range(auth.valid_from.year, today.year):
            if year in filed:
                continue
            due = compliance.report_due_date(year)
            out.append(
                Reminder(
                    due,
                    _("Annual usage report %(y)s for %(n)s is not filed (due %(d)s).")
                    % {"y": year, "n": auth.number, "d": due},
                    auth_url(auth),
                    due < today,
                )
            )
    return out


def _reminders(*, today, producers, authorizations, applications) -> list[Reminder]:
    out = _report_reminders(authorizations, today)
    for producer in producers:
        for r in compliance.expiry_reminders(
            producer=producer, today=today, within_days=REMINDER_DAYS
        ):
            out.append(
                Reminder(
                    r.expires,
                    _("%(kind)s %(what)s ends on %(d)s (in %(n)d days).")
                    % {"kind": r.kind_label, "what": r.label, "d": r.expires, "n": r.days_left},
                    r.url,
                    r.days_left <= 30,
                )
            )
    for app in applications:
        if app.status == ApplicationStatus.RETURNED:
            out.append(
                Reminder(
                    None,
                    _("Application #%(pk)s was returned for correction.") % {"pk": app.pk},
                    app.get_absolute_url(),
                    True,
                )
            )
    return sorted(out, key=lambda r: (not r.urgent, r.due or date.min))


def auth_url(authorization) -> str:
    return reverse("labels:portal_authorization", kwargs={"pk": authorization.pk})


@producer_required
def portal_home(request):
    today = timezone.localdate()
    producers = Producer.objects.filter(pk__in=request.producer_ids).select_related("county")
    marks = list(gi_mark_list().filter(registrant__in=producers))
    uses = list(MarkUse.objects.filter(producer__in=producers).select_related("mark", "producer"))
    famous = list(famous_mark_list().filter(holder__in=producers))
    varieties = list(PlantVariety.objects.filter(owner__in=producers).order_by("denomination"))
    authorizations = list(portal_authorizations(request).prefetch_related("annual_reports"))
    applications = list(with_counts(portal_applications(request)))
    context = {
        "producers": producers,
        "marks": marks,
        "uses": uses,
        "famous": famous,
        "varieties": varieties,
        "authorizations": authorizations,
        "applications": applications,
        "reminders": _reminders(
            today=today,
            producers=producers,
            authorizations=authorizations,
            applications=applications,
        ),
        "today": today,
    }
    return render(request, "labels/portal/home.html", context)


def _authorization_page(request, authorization, *, report_form=None, change_form=None, status=200):
    context = {
        "authorization": authorization,
        "reports": authorization.annual_reports.all(),
        "report_form": report_form
        or AnnualReportForm(initial={"year": timezone.localdate().year - 1}),
        "change_form": change_form or ChangeApplicationForm(),
        "can_report": request.user.has_perm("labels.file_annual_report", authorization),
        "changes": authorization.change_applications.all(),
        "verify_url": verify_url(authorization),
    }
    return render(request, "labels/portal/authorization_detail.html", context, status=status)


@producer_required
def portal_authorization(request, pk: int):
    authorization = get_object_or_404(portal_authorizations(request), pk=pk)
    return _authorization_page(request, authorization)


@require_POST
@producer_required
def portal_annual_report(request, pk: int):
    authorization = get_object_or_404(portal_authorizations(request), pk=pk)
    form = AnnualReportForm(request.POST)
    if form.is_valid():
        try:
            compliance.annual_report_file(
                actor=request.user, authorization=authorization, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Annual report %(y)s filed.") % {"y": form.cleaned_data["year"]}
            )
            return redirect(auth_url(authorization))
    return _authorization_page(request, authorization, report_form=form, status=400)


@require_POST
@producer_required
def portal_authorization_change(request, pk: int):
    """Start a change (变更) of an authorization: a new application that follows the same path."""
    authorization = get_object_or_404(portal_authorizations(request), pk=pk)
    form = ChangeApplicationForm(request.POST)
    if form.is_valid():
        try:
            application = intake.application_create(
                actor=request.user,
                producer=authorization.producer,
                changes=authorization,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Change application created: add its sites and documents."))
            return redirect(application.get_absolute_url())
    return _authorization_page(request, authorization, change_form=form, status=400)
