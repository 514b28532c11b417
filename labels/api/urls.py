"""REST routes of the special-label workflow, mounted under /api/."""

from django.urls import path

from .views import SiteCheckView

app_name = "labels_api"

urlpatterns = [
    path("site-check/", SiteCheckView.as_view(), name="site_check"),
]
