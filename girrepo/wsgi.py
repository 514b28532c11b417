"""WSGI entry point.

``MapDataApp`` answers repeated public map-data requests (tiles, point layers) from a
per-process store before Django runs, while the data version they were built for is
current, and builds unfiltered tiles itself with the tile view's own code (see
maps/wsgi.py). ``SiteCheckApp`` answers the public ``POST /api/site-check/`` with the
view's own code and the middleware's response phase, without the rest of Django's
handler (see labels/api/fastpath.py). Everything else goes to Django.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "girrepo.settings.dev")
django_application = get_wsgi_application()

from labels.api.fastpath import SiteCheckApp  # noqa: E402  (needs the app registry)
from maps.wsgi import MapDataApp  # noqa: E402

application = MapDataApp(SiteCheckApp(django_application))
