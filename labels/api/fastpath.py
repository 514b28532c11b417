"""``POST /api/site-check/`` answered before Django's handler runs.

The public site check is anonymous, stateless JSON: it needs no session, user,
CSRF token, message storage or URL resolving, yet Django's full handler (its
request signals, twelve middleware, the resolver and DRF's dispatch) costs a
worker more CPU than the check's own Python. ``SiteCheckApp`` answers it with the
view's own code (``labels.api.views``: DRF's throttle and JSON parser, then
``check_reply`` or ``exception_reply``, rendered by DRF's ``JSONRenderer``) and
passes the response through the response phase of the middleware that touch such
a response (security headers, language, gzip, X-Frame-Options, Content-Length),
called on Django's own middleware classes. So it answers with the same status,
headers and body as the full stack; ``tests/test_site_check_fastpath.py`` compares
the two request by request.

It steps aside (the request goes to Django, body and all) for anything it was not
written for: another path or method; a cross-origin browser request (``Origin``:
CORS headers are Django's business); a body that is not JSON by its content type,
empty, or larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE``; a request Django would
redirect (``SECURE_SSL_REDIRECT``); a ``MIDDLEWARE`` setting other than the one it
was written against; and any exception in its own code.
"""

import io
import logging

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signals
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.gzip import GZipMiddleware
from django.middleware.locale import LocaleMiddleware
from django.middleware.security import SecurityMiddleware
from rest_framework.exceptions import ParseError, Throttled
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer

from .views import SiteCheckThrottle, SiteCheckView, check_reply, exception_reply

logger = logging.getLogger(__name__)

PATH = "/api/site-check/"

# The MIDDLEWARE this path stands in for. Those not called here do nothing to this
# endpoint's responses: map data (other paths), CORS (no Origin), sessions (never
# read), CSRF (the view is exempt), authentication (anonymous), messages (none),
# history (no writes).
KNOWN_MIDDLEWARE = (
    "maps.middleware.MapDataCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
)


def _unused(request):  # the middleware below are only asked to process responses
    raise AssertionError("not called")


class SiteCheckApp:
    def __init__(self, application, path: str = PATH):
        self.application = application
        self.path = path
        self.enabled = tuple(settings.MIDDLEWARE) == KNOWN_MIDDLEWARE
        if not self.enabled:
            logger.warning("MIDDLEWARE differs from what %s expects: not used", __name__)
        self.security = SecurityMiddleware(_unused)
        self.locale = LocaleMiddleware(_unused)
        self.common = CommonMiddleware(_unused)
        self.gzip = GZipMiddleware(_unused)
        self.xframe = XFrameOptionsMiddleware(_unused)
        self.view = SiteCheckView()  # its throttle scope, allowed methods

    def __call__(self, environ, start_response):
        if not (
            self.enabled
            and environ.get("PATH_INFO") == self.path
            and environ.get("REQUEST_METHOD") == "POST"
            and "HTTP_ORIGIN" not in environ
            and _is_json(environ.get("CONTENT_TYPE", ""))
        ):
            return self.application(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if not 0 < length <= (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or length):
            return self.application(environ, start_response)
        body = environ["wsgi.input"].read(length)
        # Whatever happens next, Django can still be handed the request as it came.
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        # Django's request signals, as its handler sends them: their receivers check
        # the database connection (close_old_connections), reset DEBUG's query log and
        # close the caches' per-request connections.
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            response = self._respond(WSGIRequest(environ), body)
        except Exception:
            logger.warning("site check before Django failed; passing it on", exc_info=True)
            response = None
        finally:
            signals.request_finished.send(sender=self.__class__)
        if response is None:
            environ["wsgi.input"] = io.BytesIO(body)
            return self.application(environ, start_response)
        headers = [
            *response.items(),
            *(("Set-Cookie", c.output(header="")) for c in response.cookies.values()),
        ]
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return [response.content]

    def _respond(self, request: WSGIRequest, body: bytes) -> HttpResponse | None:
        if self.security.process_request(request) is not None:
            return None  # a redirect to HTTPS: Django's to make
        self.locale.process_request(request)
        request.user = AnonymousUser()  # as DRF's view sees it: no authentication classes
        status, data, headers = self._reply(request, body)
        response = HttpResponse(
            JSONRenderer().render(data, "application/json"),
            status=status,
            content_type=JSONRenderer.media_type,
        )
        for name, value in headers.items():
            response[name] = value
        response["Allow"] = ", ".join(self.view.allowed_methods)
        # The response phase, innermost first, as Django's handler runs it.
        response = self.xframe.process_response(request, response)
        response = self.common.process_response(request, response)
        response = self.locale.process_response(request, response)
        response = self.gzip.process_response(request, response)
        return self.security.process_response(request, response)

    def _reply(self, request: WSGIRequest, body: bytes) -> tuple[int, dict, dict]:
        """As DRF's dispatch orders it: the throttle, then the body, then the check."""
        throttle = SiteCheckThrottle()
        if not throttle.allow_request(request, self.view):
            return exception_reply(Throttled(throttle.wait()))
        context = {"encoding": request.encoding or settings.DEFAULT_CHARSET}
        try:
            data = JSONParser().parse(io.BytesIO(body), "application/json", context)
        except ParseError as exc:
            return exception_reply(exc)
        return check_reply(data)


def _is_json(content_type: str) -> bool:
    return content_type.partition(";")[0].strip().lower() == "application/json"
