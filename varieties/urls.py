from django.urls import path

from . import views

app_name = "varieties"

urlpatterns = [
    path("", views.PlantVarietyListView.as_view(), name="plantvariety_list"),
    path("<int:pk>/", views.PlantVarietyDetailView.as_view(), name="plantvariety_detail"),
]
