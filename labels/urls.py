"""URLs of the special-label workflow, in one namespace ("labels")."""

from django.urls import include, path

from .portal_urls import urlpatterns as portal
from .public_urls import urlpatterns as public
from .staff_urls import urlpatterns as staff

app_name = "labels"

urlpatterns = [
    path("portal/", include(portal)),
    path("staff/", include(staff)),
    path("verify/", include(public)),
]
