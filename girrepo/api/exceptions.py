"""One error shape for the whole API (and the OGC endpoints).

Every error is JSON::

    {"code": "invalid", "message": "…", "message_zh": "…", "detail": "…",
     "errors": {"field": [{"code": "…", "message": "…"}]}}

``code`` is machine-readable and stable; ``message`` (English) and ``message_zh``
(Chinese) are fixed texts per code, so a client shows them whatever language the
request asked for. ``detail`` is the specific reason in the request's language,
``errors`` the field errors of a 400. Django ``ValidationError``s raised by the
services (the same ones the HTML forms show) become 400s with their fields.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

# code: (English, Chinese). Written out in both languages here (not through the
# translation catalogue), so the Chinese text never falls back to English.
MESSAGES = {
    "invalid": (
        "The request has invalid values: see errors.",
        "请求中有无效的值，详见 errors。",
    ),
    "invalid_state": (
        "The application is not in a state that allows this step.",
        "申请当前的状态不允许此操作。",
    ),
    "parse_error": ("The request could not be read.", "无法读取请求内容。"),
    "bad_bbox": (
        "bbox must be four numbers xmin,ymin,xmax,ymax in WGS-84 degrees.",
        "bbox 应为四个数：xmin,ymin,xmax,ymax（WGS-84 经纬度）。",
    ),
    "bad_datetime": (
        "datetime must be an RFC 3339 date-time, a date, or an interval start/end with .. "
        "for an open end.",
        "datetime 应为 RFC 3339 日期时间、日期，或以 / 分隔的区间（开放端用 ..）。",
    ),
    "bad_cursor": (
        "The page cursor is not valid: follow the next and previous links.",
        "分页游标无效，请使用返回的 next 和 previous 链接。",
    ),
    "bad_limit": ("limit is out of range.", "limit 超出允许范围。"),
    "unknown_parameter": (
        "The request has a query parameter this endpoint does not know.",
        "请求包含此接口不支持的查询参数。",
    ),
    "unsupported_crs": (
        "Only CRS84 (WGS-84 longitude, latitude) is supported.",
        "仅支持 CRS84（WGS-84 经度、纬度）。",
    ),
    "not_found": ("Not found.", "未找到。"),
    "not_authenticated": (
        "Log in or send an API token.",
        "请登录或提供 API 令牌。",
    ),
    "authentication_failed": ("The credentials are not valid.", "身份凭据无效。"),
    "permission_denied": ("You may not do this.", "您无权执行此操作。"),
    "method_not_allowed": ("This method is not allowed here.", "此处不允许该请求方法。"),
    "not_acceptable": (
        "The requested response format is not available.",
        "无法提供所请求的响应格式。",
    ),
    "unsupported_media_type": (
        "The request body has an unsupported media type.",
        "不支持该请求内容类型。",
    ),
    "throttled": ("Too many requests: try again later.", "请求过于频繁，请稍后再试。"),
    "error": ("The request failed.", "请求失败。"),
}


class BadBBox(exceptions.ParseError):
    default_detail = MESSAGES["bad_bbox"][0]
    default_code = "bad_bbox"


class BadDatetime(exceptions.ParseError):
    default_detail = MESSAGES["bad_datetime"][0]
    default_code = "bad_datetime"


class BadCursor(exceptions.ParseError):
    default_detail = MESSAGES["bad_cursor"][0]
    default_code = "bad_cursor"


class BadLimit(exceptions.ParseError):
    default_detail = MESSAGES["bad_limit"][0]
    default_code = "bad_limit"


class UnknownParameter(exceptions.ParseError):
    default_detail = MESSAGES["unknown_parameter"][0]
    default_code = "unknown_parameter"


class UnsupportedCRS(exceptions.ParseError):
    default_detail = MESSAGES["unsupported_crs"][0]
    default_code = "unsupported_crs"


def error_body(code: str, *, detail: str | None = None, errors: dict | None = None) -> dict:
    en, zh = MESSAGES.get(code, MESSAGES["error"])
    body: dict = {"code": code, "message": en, "message_zh": zh}
    if detail:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = errors
    return body


def _field_errors(detail, prefix: str = "") -> dict[str, list[dict]]:
    """DRF's nested error detail as ``{"field.sub": [{"code", "message"}]}``."""
    out: dict[str, list[dict]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            out.update(_field_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(detail, list):
        items = []
        for n, value in enumerate(detail):
            if isinstance(value, dict | list):
                out.update(_field_errors(value, f"{prefix}.{n}" if prefix else str(n)))
            else:
                items.append({"code": getattr(value, "code", None) or "invalid", "message": value})
        if items:
            out[prefix or api_settings.NON_FIELD_ERRORS_KEY] = items
    else:
        code = getattr(detail, "code", None) or "invalid"
        out[prefix or api_settings.NON_FIELD_ERRORS_KEY] = [{"code": code, "message": detail}]
    return out


def _code_of(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return "invalid"
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def exception_handler(exc, context):
    """DRF's handler (status, headers), with the body rewritten into the one error shape."""
    from labels.services import TransitionError

    code = None
    if isinstance(exc, DjangoValidationError):
        code = "invalid_state" if isinstance(exc, TransitionError) else "invalid"
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if not isinstance(exc, exceptions.APIException):
        return None
    code = code or _code_of(exc)
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc.detail, dict | list):
        body = error_body(code, errors=_field_errors(exc.detail))
    else:
        body = error_body(code, detail=exc.detail)
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)
