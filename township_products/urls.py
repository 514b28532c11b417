from django.urls import path  # noqa: F401

app_name = "township_products"

urlpatterns: list = []
