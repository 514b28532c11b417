"""The public site-check endpoint: stateless, anonymous, rate-limited, never a 500."""

import logging

from django.core.exceptions import ImproperlyConfigured
from django.db import DataError, InternalError, OperationalError
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.exceptions import ParseError, Throttled, UnsupportedMediaType
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from girrepo.api.exceptions import MESSAGES

from ..sitecheck import SiteCheckResult, SiteInputError, site_check_reference
from .geometry import site_geometry_from_geojson
from .serializers import (
    SiteCheckErrorSerializer,
    SiteCheckRequestSerializer,
    SiteCheckResponseSerializer,
)

logger = logging.getLogger(__name__)


class SiteCheckThrottle(ScopedRateThrottle):
    """ScopedRateThrottle that reads the rate per request, so settings overrides apply."""

    def get_rate(self):
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError:
            raise ImproperlyConfigured(f"No throttle rate for scope {self.scope!r}") from None


class JSONOnlyNegotiation(DefaultContentNegotiation):
    """The endpoint answers JSON whatever the Accept header says (DRF's documented
    "ignore client content negotiation" pattern): no Accept parsing per request.
    Request bodies are still checked, so anything but JSON gets a 415.
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _error(field: str, code: str, zh: str, en: str) -> dict:
    return {"field": field, "code": code, "zh": zh, "en": en}


_STATUS_CODES = {400: "invalid", 415: "unsupported_media_type", 429: "throttled"}


def _errors(status: int, *errors: dict, headers=None) -> tuple[int, dict, dict]:
    """The API's error shape (code, message, message_zh) with this endpoint's list of
    bilingual field errors: (status, body, headers)."""
    code = _STATUS_CODES.get(status, "error")
    message, message_zh = MESSAGES[code]
    body = {"code": code, "message": message, "message_zh": message_zh, "errors": list(errors)}
    return status, body, headers or {}


def site_check_body(product: dict, outcome: SiteCheckResult) -> dict:
    body = outcome.as_dict()
    body["result"] = str(outcome.result)
    body["product"] = product
    return body


EXAMPLE_REQUEST = {
    "product": "宣威火腿",
    "geometry": {"type": "Point", "coordinates": [104.104, 26.219]},
    "crs": "wgs84",
}
EXAMPLE_ERROR = {
    "errors": [
        _error(
            "geometry",
            "swapped_coordinates",
            "经纬度似乎写反了：(26.219000, 104.104000) 交换顺序后才在云南。请先写经度（约 97–106）。",
            "Latitude and longitude look swapped: (26.219000, 104.104000) is in Yunnan only "
            "the other way round. Give the longitude (about 97–106) first.",
        )
    ]
}


def check_reply(data) -> tuple[int, dict, dict]:
    """The answer to a parsed request body: (status, body, headers). The DRF view and
    ``labels.api.fastpath`` both answer with it."""
    if not isinstance(data, dict):
        return _errors(
            400, _error("", "invalid_json", "请求须为 JSON 对象。", "Send a JSON object.")
        )
    errors, product, geometry = [], data.get("product"), None
    if product is None or product == "" or isinstance(product, bool):
        errors.append(SiteInputError("required", field="product").as_error())
    elif not isinstance(product, int | str):
        value = repr(str(product)[:40])
        errors.append(SiteInputError("unknown_product", field="product", value=value).as_error())
    try:
        if data.get("geometry") is None:
            raise SiteInputError("required", field="geometry")
        geometry = site_geometry_from_geojson(data["geometry"], data.get("crs"))
    except SiteInputError as exc:
        errors.append(exc.as_error())
    if errors:
        return _errors(400, *errors)
    try:
        # The product is resolved in the same statement as the check.
        found, outcome = site_check_reference(product=product, geometry=geometry)
    except SiteInputError as exc:
        return _errors(400, exc.as_error())
    except (DataError, InternalError) as exc:
        # PostGIS refused the geometry (e.g. a topology error deep in GEOS).
        logger.warning("site check failed in PostGIS: %s", exc)
        err = SiteInputError(
            "invalid_geometry", field="geometry", detail="PostGIS: " + str(exc)[:200]
        )
        return _errors(400, err.as_error())
    except OperationalError:
        logger.exception("site check: database unavailable")
        return _errors(
            503,
            _error(
                "",
                "unavailable",
                "服务暂不可用，请稍后再试。",
                "Service unavailable; try again later.",
            ),
        )
    return 200, site_check_body(found, outcome), {}


class SiteCheckView(APIView):
    """Check a field against a GI product's protected area before applying."""

    authentication_classes: list = []  # public; no session, so no CSRF either
    permission_classes = [AllowAny]
    throttle_classes = [SiteCheckThrottle]
    throttle_scope = "site_check"
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONOnlyNegotiation

    @extend_schema(
        operation_id="site_check",
        summary="Is a production site inside a GI product's protected area?",
        description=(
            "Stateless and public: nothing is stored. Answers pass, fail or manual with "
            "reasons in Chinese and English. An approximate or unmapped protected area "
            "always gives manual unless the site lies clearly outside it. Rate-limited per "
            "client (scope `site_check`)."
        ),
        request=SiteCheckRequestSerializer,
        responses={
            200: SiteCheckResponseSerializer,
            400: OpenApiResponse(
                SiteCheckErrorSerializer,
                description=(
                    "Bad input, each error naming the field and the reason (codes: "
                    "invalid_json, required, invalid_geojson, unsupported_geometry_type, "
                    "empty_geometry, self_intersection, invalid_geometry, too_many_vertices, "
                    "out_of_range, outside_yunnan, swapped_coordinates, unknown_crs, "
                    "unknown_product, ambiguous_product)."
                ),
                examples=[OpenApiExample("swapped", value=EXAMPLE_ERROR)],
            ),
            415: OpenApiResponse(SiteCheckErrorSerializer, description="Send application/json."),
            429: OpenApiResponse(SiteCheckErrorSerializer, description="Rate limit reached."),
        },
        examples=[OpenApiExample("point", value=EXAMPLE_REQUEST, request_only=True)],
        auth=[],
    )
    def post(self, request):
        status, body, headers = check_reply(request.data)
        return Response(body, status=status, headers=headers)

    def handle_exception(self, exc):
        mapped = exception_reply(exc)
        if mapped is None:
            return super().handle_exception(exc)
        status, body, headers = mapped
        return Response(body, status=status, headers=headers)


def exception_reply(exc) -> tuple[int, dict, dict] | None:
    """This endpoint's answer to DRF's throttle, parse and media-type refusals."""
    if isinstance(exc, Throttled):
        wait = int(exc.wait or 1)
        return _errors(
            429,
            _error(
                "",
                "throttled",
                f"请求过于频繁，请 {wait} 秒后再试。",
                f"Too many requests; try again in {wait} s.",
            ),
            headers={"Retry-After": str(wait)},
        )
    if isinstance(exc, ParseError):
        return _errors(
            400,
            _error(
                "",
                "invalid_json",
                f"请求不是有效的 JSON：{exc.detail}",
                f"The request is not valid JSON: {exc.detail}",
            ),
        )
    if isinstance(exc, UnsupportedMediaType):
        return _errors(
            415,
            _error(
                "",
                "unsupported_media_type",
                "请以 application/json 发送。",
                "Send application/json.",
            ),
        )
    return None
