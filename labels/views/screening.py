"""Bulk screening for staff: a file of sites in, the screening report out.

The engine is ``manage.py screen_sites``'s (``labels.screening``), run in the
request; nothing is stored in the registry. The upload streams to a temporary file
that keeps its extension (GDAL picks its driver by it); Django closes, and so
deletes, it when the response is done, whatever happened.
The report and its summary wait for ``REPORT_HOURS`` in a private directory,
``GIRREPO_SCREENING_DIR/<user id>/<uuid>.*``, where only the user who ran the
screening reaches them: anyone else's lookup is in their own folder, so 404.
"""

import json
import time
import uuid
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from regions.coords import CRS

from ..choices import CheckResult
from ..forms import ScreeningForm
from ..screening import ScreeningError, screen_file
from .scopes import staff_required

REPORT_HOURS = 24
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "geojson": "application/geo+json"}


class CappedUploadHandler(TemporaryFileUploadHandler):
    """Streams an upload to a temporary file, and drops one that passes ``limit`` bytes
    as soon as it does (the form then says it is too large)."""

    def __init__(self, request=None, *, limit: int):
        super().__init__(request)
        self.limit = limit
        self.too_large = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.too_large = True
            raise SkipFile  # the parser closes (so deletes) the partial file
        return super().receive_data_chunk(raw_data, start)


def _reports_root() -> Path:
    return Path(str(settings.GIRREPO_SCREENING_DIR))


def _user_reports(user) -> Path:
    return _reports_root() / str(user.pk)


def purge_old_reports(*, now: float | None = None) -> int:
    """Delete every user's reports and summaries older than ``REPORT_HOURS``."""
    root = _reports_root()
    if not root.is_dir():
        return 0
    cutoff = (time.time() if now is None else now) - REPORT_HOURS * 3600
    removed = 0
    for path in root.glob("*/*"):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            pass  # another request's purge got there first
    return removed


def _max_mb() -> float:
    return float(settings.GIRREPO_SCREENING_MAX_UPLOAD_MB)


def screening_staff_required(view):
    """Staff (else login or 403, as the workbench) whom the rules let screen files."""

    @staff_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.has_perm("labels.screen_sites"):
            raise PermissionDenied(_("You may not screen files."))
        return view(request, *args, **kwargs)

    return wrapper


@csrf_exempt
@screening_staff_required
def staff_screening(request):
    # Before anything reads the body: the upload goes to disk, and stops at the limit.
    # (CSRF is checked afterwards, by _screening_page, once the handler is in place.)
    handler = CappedUploadHandler(request, limit=int(_max_mb() * 1024 * 1024))
    request.upload_handlers = [handler]
    return _screening_page(request, handler)


@csrf_protect
def _screening_page(request, handler: CappedUploadHandler):
    if request.method != "POST":
        form = ScreeningForm(max_mb=_max_mb())
        return render(request, "labels/staff/screening.html", {"form": form})
    form = ScreeningForm(request.POST, request.FILES, max_mb=_max_mb(), too_large=handler.too_large)
    if form.is_valid():
        purge_old_reports()
        report_id = _screen(request, form)
        if report_id is not None:
            return redirect("labels:staff_screening_result", report=report_id)
    return render(request, "labels/staff/screening.html", {"form": form}, status=400)


def _screen(request, form: ScreeningForm) -> uuid.UUID | None:
    """Screen the upload into the user's report folder; None with form errors on failure."""
    data = form.cleaned_data
    upload = data["file"]  # a TemporaryUploadedFile: CappedUploadHandler is the only handler
    upload.file.flush()  # GDAL and ogr2ogr read it by its path
    path = upload.temporary_file_path()
    report_id = uuid.uuid4()
    folder = _user_reports(request.user)
    folder.mkdir(parents=True, exist_ok=True)
    output = folder / f"{report_id}.{data['output_format']}"
    try:
        _, summary = screen_file(
            path=path,
            crs=data["crs"] or None,
            product=data["product"],
            output_format=data["output_format"],
            output=output,
            layer=data["layer"],
            id_field=data["id_field"],
        )
    except ScreeningError as exc:
        output.unlink(missing_ok=True)
        field, message = _error_field(form, exc, path, upload.name)
        form.add_error(field, message)
        return None
    except BaseException:
        output.unlink(missing_ok=True)
        raise
    meta = {
        "id": str(report_id),
        "file": upload.name,
        "format": data["output_format"],
        "product": data["product"].name if data["product"] else None,
        "crs": data["crs"],
        "id_field": data["id_field"],
        "layer": data["layer"],
        "created": timezone.now().isoformat(),
        "sites": summary.sites,
        "rows": summary.rows,
        "results": summary.results,
        "products": summary.products,
        "not_mapped": summary.not_mapped,
        "seconds": summary.seconds.get("total"),
    }
    (folder / f"{report_id}.json").write_text(json.dumps(meta, ensure_ascii=False))
    return report_id


def _error_field(form, exc: ScreeningError, path: str, name: str) -> tuple[str, str]:
    """The form field a ``ScreeningError`` is about, and its message for the user.

    The engine's messages name the temporary file; the user sees the name they uploaded.
    """
    reason = str(exc).replace(f"/vsizip/{path}", name).replace(str(path), name)
    if reason.startswith("no field"):
        return "id_field", _("This field is not in the file (%(reason)s).") % {"reason": reason}
    if reason.startswith("no layer"):
        return "layer", _("This layer is not in the file (%(reason)s).") % {"reason": reason}
    return "file", _("This file cannot be screened: %(reason)s") % {"reason": reason}


def _report_meta(request, report: uuid.UUID) -> tuple[dict, Path]:
    """The summary and report file of ``report``, looked up in the user's own folder."""
    folder = _user_reports(request.user)
    try:
        meta = json.loads((folder / f"{report}.json").read_text())
    except (FileNotFoundError, ValueError) as exc:
        raise Http404(_("No such report, or it has expired.")) from exc
    output = folder / f"{report}.{meta['format']}"
    if not output.is_file():
        raise Http404(_("No such report, or it has expired."))
    return meta, output


@screening_staff_required
def staff_screening_result(request, report: uuid.UUID):
    meta, output = _report_meta(request, report)
    results = [
        (choice.value, choice.label, meta["results"].get(choice.value, 0)) for choice in CheckResult
    ]
    context = {
        "meta": meta,
        "results": results,
        "crs": CRS(meta["crs"]).label if meta["crs"] else None,
        "size": output.stat().st_size,
        "expires_hours": REPORT_HOURS,
    }
    return render(request, "labels/staff/screening_result.html", context)


@screening_staff_required
def staff_screening_download(request, report: uuid.UUID):
    meta, output = _report_meta(request, report)
    stem = Path(meta["file"]).stem or "sites"
    return FileResponse(
        output.open("rb"),
        as_attachment=True,
        filename=f"{stem}.screening.{meta['format']}",
        content_type=CONTENT_TYPES[meta["format"]],
    )
