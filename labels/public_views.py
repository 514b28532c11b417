"""Public verification of special-label authorizations (/verify/).

A buyer scanning a label, or an e-commerce platform checking a seller, sees
what an authorization says and whether it is valid now. Only authorizations are
public: applications, documents and staff notes never appear here, and an
unknown number reveals nothing but that it is unknown.
"""

import json
import re
import unicodedata

from django import forms
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET

from girrepo.offline_maps import MapParts, offline_map, outline_layer, render_map
from girrepo.validators import validate_credit_code
from products.selectors import product_area_map

from .certificate import qr_png, qr_svg, render_certificate, verify_url
from .choices import ApplicationKind, ApplicationStatus, AuthorizationStatus, ComplianceStep
from .compliance import authorization_effective_status
from .models import Authorization, ProductionSite
from .numbering import format_number

NUMBER_RE = re.compile(r"^YN-?GI-?(\d{4})-?(\d{1,5})$")
# Dashes Chinese input methods produce; NFKC already folds full-width ones.
DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−", "-"))
# ~1 m: enough to find a field, no more precise than the sites were drawn.
SITE_PRECISION = 5
SITE_STYLE = {"color": "#0d6efd", "weight": 2, "fillOpacity": 0.3}
AREA_STYLE = {"color": "#b02a37", "weight": 2, "fill": True, "fillOpacity": 0.08}
CANCELLED_PER_PAGE = 50

# "Valid" alone is already translated as 有效期 (a period) elsewhere; a status needs 有效.
STATUS_LABELS = {
    AuthorizationStatus.VALID: pgettext_lazy("authorization status", "Valid"),
    AuthorizationStatus.SUSPENDED: pgettext_lazy("authorization status", "Suspended"),
    AuthorizationStatus.CANCELLED: pgettext_lazy("authorization status", "Cancelled"),
    AuthorizationStatus.EXPIRED: pgettext_lazy("authorization status", "Expired"),
}
STATUS_COLOURS = {
    AuthorizationStatus.VALID: "success",
    AuthorizationStatus.SUSPENDED: "warning",
    AuthorizationStatus.CANCELLED: "danger",
    AuthorizationStatus.EXPIRED: "secondary",
}
# The one message a buyer must understand whatever the page language: shown in both.
NOT_FOUND_ZH = "未查到此授权——该标志可能是假冒的。"
NOT_FOUND_EN = "No such authorization — the label may be counterfeit."


def parse_query(raw: str) -> tuple[str, str]:
    """``("number", "YN-GI-2026-00042")`` or ``("credit_code", …)``, ignoring case,
    spaces and full-width input; a ValidationError that says what is wrong otherwise."""
    compact = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw or "")).upper()
    compact = compact.translate(DASHES)
    if match := NUMBER_RE.match(compact):
        return "number", format_number(int(match[1]), int(match[2]))
    if len(compact) == 18 and compact.isalnum():
        validate_credit_code(compact)
        return "credit_code", compact
    raise ValidationError(
        _(
            "Enter an authorization number such as YN-GI-2026-00042, or an 18-character "
            "unified social credit code."
        ),
        code="malformed",
    )


class VerifyForm(forms.Form):
    q = forms.CharField(
        label=_("Authorization number or credit code"),
        max_length=60,
        widget=forms.TextInput(
            attrs={"placeholder": "YN-GI-2026-00042", "autocomplete": "off", "spellcheck": "false"}
        ),
    )

    def clean_q(self) -> tuple[str, str]:
        return parse_query(self.cleaned_data["q"])


# Never load the protected area's full-resolution geometry: maps use the simplified one.
PRODUCT_HEAVY = ("product__area_geom", "product__area_display", "product__area_label_point")


def _authorizations():
    return Authorization.objects.select_related("producer", "product", "mark").defer(*PRODUCT_HEAVY)


def _status(authorization: Authorization, today) -> dict:
    status = authorization_effective_status(authorization=authorization, today=today)
    return {"code": status, "label": STATUS_LABELS[status], "colour": STATUS_COLOURS[status]}


def _not_found(request: HttpRequest, *, query: str, status: int = 200, form=None) -> HttpResponse:
    context = {
        "form": form or VerifyForm(initial={"q": query}),
        "not_found": True,
        "query": query,
        "not_found_zh": NOT_FOUND_ZH,
        "not_found_en": NOT_FOUND_EN,
    }
    return render(request, "labels/verify/verify.html", context, status=status)


@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    """The form: a number leads to its page, a credit code lists the producer's authorizations."""
    if "q" not in request.GET:
        return render(request, "labels/verify/verify.html", {"form": VerifyForm()})
    form = VerifyForm(request.GET)
    if not form.is_valid():
        return render(request, "labels/verify/verify.html", {"form": form}, status=400)
    kind, value = form.cleaned_data["q"]
    if kind == "number":
        if Authorization.objects.filter(number=value).exists():
            return redirect("labels:verify_detail", number=value)
        return _not_found(request, query=value, form=form)
    found = list(_authorizations().filter(credit_code=value).order_by("-year", "-serial"))
    if not found:
        return _not_found(request, query=value, form=form)
    today = timezone.localdate()
    rows = [{"authorization": a, "status": _status(a, today)} for a in found]
    context = {"form": form, "credit_code": value, "rows": rows, "producer": found[0].producer}
    return render(request, "labels/verify/verify.html", context)


def _lookup(number: str) -> tuple[str | None, Authorization | None]:
    """The canonical form of ``number`` and its authorization (None when malformed/unknown)."""
    try:
        kind, canonical = parse_query(number)
    except ValidationError:
        return None, None
    if kind != "number":
        return None, None
    return canonical, _authorizations().filter(number=canonical).first()


def _site_application_id(authorization: Authorization) -> int:
    """The sites in force: those of the latest approved change (变更), else the original's."""
    change = (
        authorization.change_applications.filter(
            kind=ApplicationKind.CHANGE, status=ApplicationStatus.APPROVED
        )
        .order_by("-last_updated", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return change or authorization.application_id


def _sites(authorization: Authorization) -> tuple[dict, list[float] | None]:
    """The production sites as a GeoJSON FeatureCollection (rounded) and their bbox."""
    rows = (
        ProductionSite.objects.filter(application_id=_site_application_id(authorization))
        .annotate(gj=AsGeoJSON("geom", precision=SITE_PRECISION, bbox=True))
        .order_by("pk")
        .values_list("name", "gj")
    )
    features, boxes = [], []
    for n, (name, gj) in enumerate(rows, start=1):
        geometry = json.loads(gj)
        boxes.append(geometry.pop("bbox"))
        label = name or str(_("Production site %(n)d") % {"n": n})
        features.append({"type": "Feature", "geometry": geometry, "properties": {"name": label}})
    bbox = None
    if boxes:
        bbox = [min(b[0] for b in boxes), min(b[1] for b in boxes)]
        bbox += [max(b[2] for b in boxes), max(b[3] for b in boxes)]
    return {"type": "FeatureCollection", "features": features}, bbox


def _map(authorization: Authorization, sites: dict, bbox) -> MapParts | None:
    """Sites over the protected area's simplified outline (never its full geometry)."""
    area = product_area_map(product=authorization.product) if authorization.product_id else None
    if area is not None and area.area is not None and bbox is None:
        bbox = area.bbox
    if bbox is None:
        return None
    xmin, ymin, xmax, ymax = bbox
    m = offline_map(location=[(ymin + ymax) / 2, (xmin + xmax) / 2], zoom_start=10)
    if area is not None and area.area is not None:
        label = _("Protected area of %(gi)s") % {"gi": authorization.product.name}
        feature = {"type": "Feature", "geometry": area.area, "properties": {"label": str(label)}}
        outline_layer([feature], style=AREA_STYLE).add_to(m)
    if sites["features"]:
        labelled = [
            {**f, "properties": {"label": f["properties"]["name"]}} for f in sites["features"]
        ]
        outline_layer(labelled, style=SITE_STYLE).add_to(m)
    m.fit_bounds([[ymin, xmin], [ymax, xmax]], padding=(24, 24), max_zoom=14)
    return render_map(m)


def _gi_kind(authorization: Authorization) -> str:
    """gi_product | agri_gi (the two product registers) | certification_mark | collective_mark."""
    if authorization.product_id:
        return authorization.product.register
    return f"{authorization.mark.mark_type}_mark" if authorization.mark_id else ""


def _cancellation(authorization: Authorization) -> dict | None:
    if authorization.status != AuthorizationStatus.CANCELLED:
        return None
    action = authorization.compliance_actions.filter(step=ComplianceStep.CANCELLED).last()
    when = action.at if action else authorization.status_changed
    return {
        "date": timezone.localdate(when) if when else None,
        "reason": action.details if action else authorization.status_reason,
    }


def authorization_json(authorization: Authorization, *, request: HttpRequest) -> dict:
    """The public record, with keys that stay stable for platforms that parse it."""
    status = authorization_effective_status(authorization=authorization)
    sites, _bbox = _sites(authorization)
    cancellation = _cancellation(authorization)
    if cancellation is not None:
        day = cancellation["date"]
        cancellation = {"date": day.isoformat() if day else None, "reason": cancellation["reason"]}
    number = authorization.number
    return {
        "number": number,
        "status": status,
        "valid": status == AuthorizationStatus.VALID,
        "producer": {
            "name": authorization.producer.name,
            "credit_code": authorization.credit_code,
            "url": request.build_absolute_uri(authorization.producer.get_absolute_url()),
        },
        "gi": {
            "name": authorization.gi_name,
            "reference": authorization.gi_reference,
            "kind": _gi_kind(authorization),
        },
        "label_text": authorization.label_text,
        "valid_from": authorization.valid_from.isoformat(),
        "valid_until": authorization.valid_until.isoformat() if authorization.valid_until else None,
        "cancellation": cancellation,
        "sites": sites,
        "verify_url": verify_url(number=number, request=request),
        "certificate_url": request.build_absolute_uri(
            reverse("labels:verify_certificate", kwargs={"number": number})
        ),
    }


def _json_not_found(number: str) -> JsonResponse:
    body = {
        "error": "not_found",
        "number": number,
        "valid": False,
        "message": NOT_FOUND_EN,
        "message_zh": NOT_FOUND_ZH,
    }
    return _cors(JsonResponse(body, status=404, json_dumps_params={"ensure_ascii": False}))


def _cors(response: HttpResponse) -> HttpResponse:
    # Public data: a shop page may check a seller's label from the browser.
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def verify_json(request: HttpRequest, number: str) -> JsonResponse:
    _canonical, authorization = _lookup(number)
    if authorization is None:
        return _json_not_found(number)
    body = authorization_json(authorization, request=request)
    return _cors(JsonResponse(body, json_dumps_params={"ensure_ascii": False}))


@require_GET
def verify_detail(request: HttpRequest, number: str) -> HttpResponse:
    if request.GET.get("format") == "json":
        return verify_json(request, number)
    canonical, authorization = _lookup(number)
    if canonical is not None and canonical != number:
        return redirect("labels:verify_detail", number=canonical)
    if authorization is None:
        return _not_found(request, query=number, status=404)
    sites, bbox = _sites(authorization)
    context = {
        "authorization": authorization,
        "status": _status(authorization, timezone.localdate()),
        "gi": authorization.product or authorization.mark,
        "sites": sites["features"],
        "cancellation": _cancellation(authorization),
        "map": _map(authorization, sites, bbox),
        "verify_url": verify_url(number=authorization.number, request=request),
    }
    return render(request, "labels/verify/detail.html", context)


def _existing(number: str) -> Authorization:
    canonical, authorization = _lookup(number)
    if authorization is None or canonical != number:
        raise Http404(NOT_FOUND_EN)
    return authorization


@require_GET
def verify_qr(request: HttpRequest, number: str, fmt: str) -> HttpResponse:
    """The QR code for packaging; only a real authorization gets one."""
    authorization = _existing(number)
    url = verify_url(number=authorization.number, request=request)
    if fmt == "svg":
        response = HttpResponse(qr_svg(url), content_type="image/svg+xml")
    else:
        response = HttpResponse(qr_png(url), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="{authorization.number}-qr.{fmt}"'
    return response


@require_GET
def verify_certificate(request: HttpRequest, number: str) -> HttpResponse:
    authorization = _existing(number)
    url = verify_url(number=authorization.number, request=request)
    response = HttpResponse(
        render_certificate(authorization=authorization, url=url), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{authorization.number}.pdf"'
    return response


@require_GET
def cancellations(request: HttpRequest) -> HttpResponse:
    """The published list of cancelled authorizations, latest first, with date and reason."""
    cancelled = (
        Authorization.objects.filter(status=AuthorizationStatus.CANCELLED)
        .select_related("producer")
        .order_by("-status_changed", "-pk")
    )
    page = Paginator(cancelled, CANCELLED_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "labels/verify/cancelled.html", {"page": page})
