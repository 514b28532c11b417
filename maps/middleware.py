"""Serve map tiles and points before the rest of Django's middleware runs.

Map data needs no session, no language, no CSRF token, no user and no URL
resolving: only its data version (from this process's watcher), then the
cache or one SQL statement. Placed first in ``MIDDLEWARE``, this answers those
requests with the code the views run (``maps.endpoints``), so with the same
status, headers and bytes, at a fraction of the full stack's cost. Anything
else passes through untouched. (``maps.wsgi.MapDataApp`` goes further for
the commonest requests: it answers them before Django runs at all.)
"""

from .endpoints import DataUrls
from .http import MapRequest


class MapDataCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.urls = DataUrls()

    def __call__(self, request):
        if request.method in ("GET", "HEAD"):
            reply = self.urls.reply(MapRequest.from_django(request))
            if reply is not None:
                return reply.django()
        return self.get_response(request)
