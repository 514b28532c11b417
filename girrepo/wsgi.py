"""WSGI entry point.

``MapDataApp`` answers repeated public map-data requests (tiles, point layers) from a
per-process store before Django runs, while the data version they were built for is
current, and builds unfiltered tiles itself with the tile view's own code (see
maps/wsgi.py); everything else goes to Django.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "girrepo.settings.dev")
django_application = get_wsgi_application()

from maps.wsgi import MapDataApp  # noqa: E402  (needs the app registry)

application = MapDataApp(django_application)
