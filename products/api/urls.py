from rest_framework.routers import SimpleRouter

from . import views

app_name = "products-api"

router = SimpleRouter()
router.register("products", views.GIProductViewSet)
router.register("categories", views.CategoryViewSet)

urlpatterns = router.urls
