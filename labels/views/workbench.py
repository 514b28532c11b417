"""The staff workbench: the review queue of a jurisdiction and the review page.

Every action is a POST that calls one service; which actions a page offers, and
which POSTs are let through, is decided by ``labels/rules.py`` alone.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import services
from ..forms import NoteForm, OnSiteCheckForm, QueueFilterSet, ReasonForm, add_service_errors
from ..models import OnSiteCheckPhoto
from .applications import document_response
from .common import (
    application_authorization,
    is_overdue,
    missing_documents,
    site_rows,
    timeline,
    verify_url,
    with_counts,
)
from .maps import application_map
from .scopes import ACTS_ON, staff_applications, staff_required


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    form: type | None
    style: str
    call: object

    def perm(self, application) -> str | None:
        if self.name == "return":
            return services.RETURN_PERMS.get(application.status)
        return ACTION_PERMS[self.name]


ACTION_PERMS = {
    "accept": "labels.accept_application",
    "not_accept": "labels.accept_application",
    "onsite_check": "labels.county_review",
    "county_pass": "labels.county_review",
    "prefecture_pass": "labels.prefecture_review",
    "approve": "labels.province_decide",
    "reject": "labels.province_decide",
}


def _accept(actor, application, data):
    return services.application_accept(actor=actor, application=application)


def _onsite(actor, application, data):
    return services.application_record_onsite_check(
        actor=actor,
        application=application,
        date=data["date"],
        inspectors=data["inspectors"],
        findings=data["findings"],
        passed=data["passed"],
        photos=data["photos"],
    )


def _with_reason(service):
    def call(actor, application, data):
        return service(actor=actor, application=application, reason=data.get("reason", ""))

    return call


ACTIONS = {
    a.name: a
    for a in [
        Action("accept", gettext_lazy("Accept"), None, "primary", _accept),
        Action(
            "not_accept",
            gettext_lazy("Do not accept"),
            ReasonForm,
            "outline-danger",
            _with_reason(services.application_not_accept),
        ),
        Action(
            "onsite_check",
            gettext_lazy("Record on-site check"),
            OnSiteCheckForm,
            "outline-primary",
            _onsite,
        ),
        Action(
            "county_pass",
            gettext_lazy("Pass to prefecture"),
            NoteForm,
            "primary",
            _with_reason(services.application_county_pass),
        ),
        Action(
            "prefecture_pass",
            gettext_lazy("Pass to province"),
            NoteForm,
            "primary",
            _with_reason(services.application_prefecture_pass),
        ),
        Action(
            "approve",
            gettext_lazy("Approve"),
            NoteForm,
            "success",
            _with_reason(services.application_approve),
        ),
        Action(
            "reject",
            gettext_lazy("Reject"),
            ReasonForm,
            "outline-danger",
            _with_reason(services.application_reject),
        ),
        Action(
            "return",
            gettext_lazy("Return for correction"),
            ReasonForm,
            "outline-warning",
            _with_reason(services.application_return),
        ),
    ]
}


def allowed_actions(user, application) -> list[Action]:
    return [
        a for a in ACTIONS.values() if (p := a.perm(application)) and user.has_perm(p, application)
    ]


@staff_required
def workbench(request):
    region = request.staff_region
    scoped = with_counts(staff_applications(request)).order_by("onsite_due", "submitted_at", "pk")
    filterset = QueueFilterSet(request.GET or None, queryset=scoped, scope=region)
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else scoped
    acting = ACTS_ON.get(region.level, ())
    today = timezone.localdate()
    entries = [
        {"application": a, "overdue": is_overdue(a, today), "acting": a.status in acting}
        for a in rows[:500]
    ]
    context = {
        "region": region,
        "filter": filterset,
        "to_act": [e for e in entries if e["acting"]],
        "others": [e for e in entries if not e["acting"]],
        "overdue_count": sum(e["overdue"] for e in entries),
        "today": today,
    }
    return render(request, "labels/staff/workbench.html", context)


def _review_page(request, application, *, bound=None, status=200):
    actions = allowed_actions(request.user, application)
    forms = {a.name: a.form() if a.form else None for a in actions}
    if bound:
        forms[bound[0]] = bound[1]
    map_parts, _map = application_map(application, neighbours=True)
    authorization = application_authorization(application)
    context = {
        "application": application,
        "sites": site_rows(application),
        "documents": application.documents.all(),
        "missing_documents": missing_documents(application),
        "checks": application.onsite_checks.prefetch_related("photos"),
        "events": timeline(application),
        "map": map_parts,
        "actions": [(a, forms[a.name]) for a in actions],
        "open_action": bound[0] if bound else None,
        "overdue": is_overdue(application),
        "authorization": authorization,
        "verify_url": verify_url(authorization),
    }
    return render(request, "labels/staff/review.html", context, status=status)


@staff_required
def review(request, pk: int):
    application = get_object_or_404(staff_applications(request), pk=pk)
    return _review_page(request, application)


@require_POST
@staff_required
def review_action(request, pk: int, action: str):
    application = get_object_or_404(staff_applications(request), pk=pk)
    step = ACTIONS.get(action)
    if step is None:
        raise Http404(_("No such action."))
    perm = step.perm(application)
    if not perm or not request.user.has_perm(perm, application):
        raise PermissionDenied(_("You may not do this with this application now."))
    form = step.form(request.POST, request.FILES) if step.form else None
    if form is None or form.is_valid():
        data = form.cleaned_data if form is not None else {}
        try:
            result = step.call(request.user, application, data)
        except ValidationError as exc:
            form = form or ReasonForm()
            add_service_errors(form, exc)
        else:
            _success_message(request, step, result)
            return redirect(reverse("labels:review", kwargs={"pk": application.pk}))
    application.refresh_from_db()
    return _review_page(request, application, bound=(action, form), status=400)


def _success_message(request, step: Action, result) -> None:
    number = getattr(result, "number", None)
    if step.name == "approve" and number:
        messages.success(request, _("Approved: authorization %(n)s issued.") % {"n": number})
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": step.label})


@staff_required
def staff_document(request, pk: int, doc_pk: int):
    application = get_object_or_404(staff_applications(request), pk=pk)
    return document_response(get_object_or_404(application.documents, pk=doc_pk))


@staff_required
def staff_onsite_photo(request, pk: int, photo_pk: int):
    application = get_object_or_404(staff_applications(request), pk=pk)
    photo = get_object_or_404(
        OnSiteCheckPhoto.objects.filter(onsite_check__application=application), pk=photo_pk
    )
    field = (
        photo.thumbnail if request.GET.get("size") == "thumb" and photo.thumbnail else photo.image
    )
    try:
        handle = field.open("rb")
    except (FileNotFoundError, OSError, ValueError) as exc:
        raise Http404(_("The file is missing.")) from exc
    return FileResponse(handle)
