from django.urls import path

from . import views

app_name = "search"

urlpatterns = [
    path("", views.search, name="search"),
    path("region/<str:code>/", views.region_registrations, name="region_registrations"),
]
