from django.urls import path

from . import views

app_name = "brands"

urlpatterns = [
    path("", views.GIMarkListView.as_view(), name="gimark_list"),
    path("<int:pk>/", views.GIMarkDetailView.as_view(), name="gimark_detail"),
    path("famous/", views.FamousMarkListView.as_view(), name="famousmark_list"),
    path("famous/<int:pk>/", views.FamousMarkDetailView.as_view(), name="famousmark_detail"),
    path("customs/", views.CustomsRecordationListView.as_view(), name="customsrecordation_list"),
    path(
        "customs/<int:pk>/",
        views.CustomsRecordationDetailView.as_view(),
        name="customsrecordation_detail",
    ),
]
