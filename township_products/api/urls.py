from rest_framework.routers import SimpleRouter

from . import views

app_name = "township_products-api"

router = SimpleRouter()
router.register("township-products", views.TownshipProductViewSet)

urlpatterns = router.urls
