"""Public URLs of the GI product registers."""

from django.urls import path

from . import views
from .choices import Register

app_name = "products"

urlpatterns = [
    path("", views.GIProductListView.as_view(), name="product_list"),
    path(
        "gi/",
        views.GIProductListView.as_view(register=Register.GI_PRODUCT),
        name="gi_product_list",
    ),
    path(
        "agri-gi/",
        views.GIProductListView.as_view(register=Register.AGRI_GI),
        name="agri_gi_list",
    ),
    path("<int:pk>/", views.GIProductDetailView.as_view(), name="product_detail"),
]
