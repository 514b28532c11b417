"""The applicant's side of an application: create, sites, documents, submit, follow."""

from pathlib import PurePosixPath

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from regions.coords import CRS

from .. import intake, services
from ..forms import (
    SITE_FORMS,
    ApplicationForm,
    DocumentForm,
    SiteCoordinatesForm,
    SiteDrawForm,
    SiteFileForm,
    add_service_errors,
)
from ..models import Application
from .common import (
    application_authorization,
    missing_documents,
    site_rows,
    timeline,
    verify_url,
)
from .maps import application_map
from .scopes import portal_applications, producer_required


def _application(request, pk: int) -> Application:
    return get_object_or_404(portal_applications(request), pk=pk)


def _require_edit(request, application: Application) -> None:
    if not request.user.has_perm("labels.edit_application", application):
        raise PermissionDenied(_("This application cannot be changed now."))


@producer_required
def application_new(request):
    form = ApplicationForm(request.POST or None, producer_ids=request.producer_ids)
    if request.method == "POST" and form.is_valid():
        try:
            application = intake.application_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Application created: now add its sites and documents."))
            return redirect(application.get_absolute_url())
    status = 400 if form.is_bound else 200
    return render(request, "labels/portal/application_form.html", {"form": form}, status=status)


@producer_required
def application_edit(request, pk: int):
    application = _application(request, pk)
    _require_edit(request, application)
    form = ApplicationForm(
        request.POST or None, instance=application, producer_ids=request.producer_ids
    )
    if request.method == "POST" and form.is_valid():
        try:
            intake.application_update(
                actor=request.user, application=application, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Details saved."))
            return redirect(application.get_absolute_url())
    status = 400 if form.is_bound else 200
    context = {"form": form, "application": application}
    return render(request, "labels/portal/application_form.html", context, status=status)


def _detail_page(request, application: Application, *, forms=None, active="draw", status=200):
    can_edit = request.user.has_perm("labels.edit_application", application)
    map_parts, folium_map = application_map(application)
    forms = forms or {}
    context = {
        "application": application,
        "sites": site_rows(application),
        "documents": application.documents.all(),
        "missing_documents": missing_documents(application),
        "events": timeline(application),
        "map": map_parts,
        "map_name": folium_map.get_name(),
        "can_edit": can_edit,
        "can_submit": request.user.has_perm("labels.submit_application", application),
        "draw_form": forms.get("draw") or SiteDrawForm(prefix="draw"),
        "file_form": forms.get("file") or SiteFileForm(prefix="file"),
        "coords_form": forms.get("coords") or SiteCoordinatesForm(prefix="coords"),
        "document_form": forms.get("document") or DocumentForm(),
        "submit_errors": forms.get("submit_errors"),
        "active_tab": active,
        "authorization": application_authorization(application),
    }
    context["verify_url"] = verify_url(context["authorization"])
    return render(request, "labels/portal/application_detail.html", context, status=status)


@producer_required
def application_detail(request, pk: int):
    return _detail_page(request, _application(request, pk))


def _sites_from_form(mode: str, form) -> tuple[list, str]:
    data = form.cleaned_data
    if mode == "draw":
        sites = intake.sites_from_geojson(data["geometry"], CRS.WGS84)
        return [(data["name"] or name, geom) for name, geom in sites], CRS.WGS84
    if mode == "file":
        return intake.sites_from_upload(data["file"], data["crs"]), data["crs"]
    geom = intake.site_from_coordinates(data["coordinates"], data["crs"])
    return [(data["name"], geom)], data["crs"]


@require_POST
@producer_required
def application_site_add(request, pk: int):
    application = _application(request, pk)
    _require_edit(request, application)
    mode = request.POST.get("mode", "")
    if mode not in SITE_FORMS:
        mode = "coords"
    form = SITE_FORMS[mode](request.POST, request.FILES, prefix=mode)
    if form.is_valid():
        field = {"draw": "geometry", "file": "file", "coords": "coordinates"}[mode]
        try:
            sites, crs = _sites_from_form(mode, form)
        except ValidationError as exc:
            form.add_error(field, exc)
        else:
            try:
                added = intake.application_add_sites(
                    actor=request.user, application=application, sites=sites, entered_crs=crs
                )
            except ValidationError as exc:
                form.add_error(field, exc.messages)  # every site error concerns the input
            else:
                messages.success(
                    request, _("%(n)d production site(s) added and checked.") % {"n": len(added)}
                )
                return redirect(application.get_absolute_url() + "#sites")
    return _detail_page(request, application, forms={mode: form}, active=mode, status=400)


@require_POST
@producer_required
def application_site_remove(request, pk: int, site_pk: int):
    application = _application(request, pk)
    site = get_object_or_404(application.sites, pk=site_pk)
    intake.application_remove_site(actor=request.user, application=application, site=site)
    messages.success(request, _("Production site removed."))
    return redirect(application.get_absolute_url() + "#sites")


@require_POST
@producer_required
def application_document_add(request, pk: int):
    application = _application(request, pk)
    _require_edit(request, application)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            intake.application_add_document(
                actor=request.user,
                application=application,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Document uploaded."))
            return redirect(application.get_absolute_url() + "#documents")
    return _detail_page(request, application, forms={"document": form}, status=400)


@require_POST
@producer_required
def application_document_remove(request, pk: int, doc_pk: int):
    application = _application(request, pk)
    document = get_object_or_404(application.documents, pk=doc_pk)
    intake.application_remove_document(
        actor=request.user, application=application, document=document
    )
    messages.success(request, _("Document removed."))
    return redirect(application.get_absolute_url() + "#documents")


def document_response(document) -> FileResponse:
    """A stored document as a download, named by its kind (never the client's file name)."""
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError, ValueError) as exc:
        raise Http404(_("The file is missing.")) from exc
    ext = PurePosixPath(document.file.name).suffix or ".bin"
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{document.application_id}-{document.kind}{ext}",
        content_type=document.content_type or "application/octet-stream",
    )


@producer_required
def application_document(request, pk: int, doc_pk: int):
    application = _application(request, pk)
    return document_response(get_object_or_404(application.documents, pk=doc_pk))


@require_POST
@producer_required
def application_submit(request, pk: int):
    application = _application(request, pk)
    if not request.user.has_perm("labels.submit_application", application):
        raise PermissionDenied(_("This application cannot be submitted now."))
    try:
        services.application_submit(actor=request.user, application=application)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        application.refresh_from_db()
        return _detail_page(request, application, forms={"submit_errors": errors}, status=400)
    messages.success(request, _("Application submitted: the county is notified."))
    return redirect(application.get_absolute_url())
