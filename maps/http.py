"""Map data requests and replies, independent of Django's request/response cycle.

The map data endpoints (``maps.endpoints``) read a ``MapRequest`` and return a
``Reply``: status, headers and body bytes. The Django views turn the reply into
an ``HttpResponse`` (``Reply.django``); ``maps.wsgi.MapDataApp`` sends it as
it is, before Django runs. Both take it from the same code, so the two paths
answer the same request with the same status, headers and bytes.
"""

import json
from dataclasses import dataclass, field
from functools import cached_property
from http import HTTPStatus
from urllib.parse import parse_qsl

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.http import parse_etags

VARY = "Accept-Encoding"


class PlainQuery(dict):
    """An ASCII query string's parameters, read as Django's ``QueryDict`` reads them
    (``get``: the last value; ``getlist``: all), without building one: that costs as
    much as a small tile's encoding. Names map to lists of values."""

    def __init__(self, query_string: str):
        super().__init__()
        for name, value in parse_qsl(query_string, keep_blank_values=True):
            self.setdefault(name, []).append(value)

    def get(self, name, default=None):
        values = super().get(name)
        return values[-1] if values else default

    def getlist(self, name) -> list[str]:
        return list(super().get(name, ()))


class MapRequest:
    """What a map data endpoint reads from a request."""

    def __init__(
        self,
        *,
        path: str,
        query_string: str,
        if_none_match: str = "",
        accept_encoding: str = "",
        query: QueryDict | None = None,
    ):
        self.path = path
        self.query_string = query_string
        self.if_none_match = if_none_match
        self.accept_encoding = accept_encoding
        if query is not None:
            self.GET = query

    @cached_property
    def GET(self) -> QueryDict | PlainQuery:  # noqa: N802  (as on Django's request)
        if self.query_string.isascii():
            return PlainQuery(self.query_string)
        # As WSGIRequest.GET parses it: the WSGI string holds the URL's bytes as latin-1.
        return QueryDict(self.query_string.encode("iso-8859-1"))

    @classmethod
    def from_django(cls, request: HttpRequest) -> "MapRequest":
        return cls(
            path=request.path_info,
            query_string=request.META.get("QUERY_STRING", ""),
            if_none_match=request.headers.get("If-None-Match", ""),
            accept_encoding=request.headers.get("Accept-Encoding", ""),
            query=request.GET,
        )

    @classmethod
    def from_environ(cls, environ: dict) -> "MapRequest":
        """For a WSGI path that matched a map data URL (plain ASCII, see ``maps.wsgi``)."""
        return cls(
            path=environ["PATH_INFO"],
            query_string=environ.get("QUERY_STRING", ""),
            if_none_match=environ.get("HTTP_IF_NONE_MATCH", ""),
            accept_encoding=environ.get("HTTP_ACCEPT_ENCODING", ""),
        )

    def accepts_gzip(self) -> bool:
        return "gzip" in self.accept_encoding


@dataclass(frozen=True)
class Reply:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = field(repr=False, default=b"")

    @property
    def status_line(self) -> str:
        return f"{self.status} {HTTPStatus(self.status).phrase}"

    def django(self) -> HttpResponse:
        response = HttpResponse(self.body, status=self.status)
        for name, value in self.headers:
            response[name] = value  # Content-Type first: it replaces the default in place
        return response

    def wsgi(self, environ: dict, start_response) -> list[bytes]:
        start_response(self.status_line, list(self.headers))
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [self.body]


def body_reply(
    content_type: str,
    *,
    etag: str,
    cache_control: str,
    raw: bytes,
    gz: bytes | None,
    accepts_gzip: bool,
) -> Reply:
    """A 200 with a map data body: gzipped when there is a gzipped copy and it is accepted."""
    headers = [("Content-Type", content_type)]
    body = raw
    if gz is not None and accepts_gzip:
        body = gz
        headers.append(("Content-Encoding", "gzip"))
    headers += [
        ("ETag", etag),
        ("Cache-Control", cache_control),
        ("Vary", VARY),
        ("Content-Length", str(len(body))),
    ]
    return Reply(200, tuple(headers), body)


def not_modified_reply(content_type: str, *, etag: str, cache_control: str) -> Reply:
    return Reply(
        304,
        (
            ("Content-Type", content_type),
            ("ETag", etag),
            ("Cache-Control", cache_control),
            ("Vary", VARY),
        ),
    )


def json_reply(data: dict, status: int) -> Reply:
    """As ``JsonResponse(data, status=status)`` would send it."""
    body = json.dumps(data, cls=DjangoJSONEncoder).encode()
    headers = (("Content-Type", "application/json"), ("Content-Length", str(len(body))))
    return Reply(status, headers, body)


def etag_matches(header: str, etag: str) -> bool:
    """Whether an If-None-Match header names ``etag`` (weak comparison, or ``*``)."""
    if not header:
        return False
    wanted = etag.removeprefix("W/")
    return any(tag == "*" or tag.removeprefix("W/") == wanted for tag in parse_etags(header))
