from django.urls import path

from . import views

app_name = "maps"

urlpatterns = [
    path("", views.public_map, name="public_map"),
    path("tiles/<int:z>/<int:x>/<int:y>.pbf", views.tile, name="tile"),
    path("points/<str:layer>.json", views.point_layer, name="points"),
    path("search.json", views.search, name="search"),
]
