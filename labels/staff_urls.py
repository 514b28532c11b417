"""The staff workbench (/staff/): quality-supervision staff, inside their jurisdiction."""

from django.urls import path

from .views import screening, workbench

urlpatterns = [
    path("", workbench.workbench, name="workbench"),
    path("applications/<int:pk>/", workbench.review, name="review"),
    path(
        "applications/<int:pk>/documents/<int:doc_pk>/",
        workbench.staff_document,
        name="staff_document",
    ),
    path(
        "applications/<int:pk>/photos/<int:photo_pk>/",
        workbench.staff_onsite_photo,
        name="staff_onsite_photo",
    ),
    path("applications/<int:pk>/<slug:action>/", workbench.review_action, name="review_action"),
    path("screening/", screening.staff_screening, name="staff_screening"),
    path(
        "screening/<uuid:report>/",
        screening.staff_screening_result,
        name="staff_screening_result",
    ),
    path(
        "screening/<uuid:report>/download/",
        screening.staff_screening_download,
        name="staff_screening_download",
    ),
]
