"""Public URLs of the region register."""

from django.urls import path

from . import views

app_name = "regions"

urlpatterns = [
    path("", views.region_detail, name="index"),
    path("outlines/<str:level>.geojson", views.outlines_geojson, name="outlines"),
    path("<str:code>/", views.region_detail, name="region_detail"),
]
