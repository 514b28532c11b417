"""The cooperative portal (/portal/): producer accounts only, each seeing its own producers."""

from django.urls import path

from .views import applications, portal

urlpatterns = [
    path("", portal.portal_home, name="portal"),
    path("applications/new/", applications.application_new, name="application_new"),
    path("applications/<int:pk>/", applications.application_detail, name="application_detail"),
    path("applications/<int:pk>/edit/", applications.application_edit, name="application_edit"),
    path(
        "applications/<int:pk>/sites/",
        applications.application_site_add,
        name="application_site_add",
    ),
    path(
        "applications/<int:pk>/sites/<int:site_pk>/remove/",
        applications.application_site_remove,
        name="application_site_remove",
    ),
    path(
        "applications/<int:pk>/documents/",
        applications.application_document_add,
        name="application_document_add",
    ),
    path(
        "applications/<int:pk>/documents/<int:doc_pk>/",
        applications.application_document,
        name="application_document",
    ),
    path(
        "applications/<int:pk>/documents/<int:doc_pk>/remove/",
        applications.application_document_remove,
        name="application_document_remove",
    ),
    path(
        "applications/<int:pk>/submit/",
        applications.application_submit,
        name="application_submit",
    ),
    path("authorizations/<int:pk>/", portal.portal_authorization, name="portal_authorization"),
    path(
        "authorizations/<int:pk>/annual-report/",
        portal.portal_annual_report,
        name="portal_annual_report",
    ),
    path(
        "authorizations/<int:pk>/change/",
        portal.portal_authorization_change,
        name="portal_authorization_change",
    ),
]
