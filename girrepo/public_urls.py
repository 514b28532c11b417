"""Public pages that belong to no single app."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
]
