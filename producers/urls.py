from django.urls import path

from . import views

app_name = "producers"

urlpatterns = [
    path("", views.ProducerListView.as_view(), name="producer_list"),
    path("<int:pk>/", views.ProducerDetailView.as_view(), name="producer_detail"),
]
