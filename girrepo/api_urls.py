"""The REST API under /api/: each app's api/ package mounts its own routes.

The docs are Swagger UI served from drf-spectacular-sidecar's local files (ReDoc's
template loads web fonts from the internet, so it is not offered).
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from girrepo.api import views
from girrepo.api.auth import TokenView

urlpatterns = [
    path("", include("labels.api.urls")),
    path("", views.APIRootView.as_view(), name="api-root"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("regions/", include("regions.api.urls")),
    path("producers/", include("producers.api.urls")),
    path("products/", include("products.api.urls")),
    path("marks/", include("brands.api.urls")),
    path("varieties/", include("varieties.api.urls")),
    path("one-township-one-product/", include("township_products.api.urls")),
    path("labels/", include("labels.api.public_urls")),
    # Last: every other path under /api/ answers with the API's JSON 404.
    re_path(r"^.*$", views.not_found),
]
