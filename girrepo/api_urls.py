"""The REST API under /api/: each app's api/ package mounts its own routes."""

from django.urls import include, path

urlpatterns = [
    path("", include("labels.api.urls")),
]
