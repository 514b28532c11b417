"""Public verification of special-label authorizations, mounted at /verify/ ("labels" namespace)."""

from django.urls import path, re_path

from . import public_views as views

urlpatterns = [
    path("", views.verify, name="verify"),
    path("cancelled/", views.cancellations, name="cancellations"),
    path("<str:number>.json", views.verify_json, name="verify_json"),
    path("<str:number>/", views.verify_detail, name="verify_detail"),
    re_path(r"^(?P<number>[^/]+)/qr\.(?P<fmt>svg|png)$", views.verify_qr, name="verify_qr"),
    path("<str:number>/certificate.pdf", views.verify_certificate, name="verify_certificate"),
]
