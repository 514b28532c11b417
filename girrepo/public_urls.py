"""Public pages that belong to no single app."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("welcome/", views.after_login, name="after_login"),
]
