from django.urls import path

from . import views

app_name = "township_products"

urlpatterns = [
    path("", views.TownshipProductListView.as_view(), name="townshipproduct_list"),
    path("<int:pk>/", views.TownshipProductDetailView.as_view(), name="townshipproduct_detail"),
]
