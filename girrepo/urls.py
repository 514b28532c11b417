"""Root URL configuration."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include("girrepo.api_urls")),
    path("ogc/", include("ogc.urls")),
    path("", include("girrepo.public_urls")),
    path("search/", include("search.urls")),
    path("regions/", include("regions.urls")),
    path("producers/", include("producers.urls")),
    path("products/", include("products.urls")),
    path("marks/", include("brands.urls")),
    path("varieties/", include("varieties.urls")),
    path("one-township-one-product/", include("township_products.urls")),
    path("map/", include("maps.urls")),
    path("", include("labels.urls")),
]
