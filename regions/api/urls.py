from rest_framework.routers import SimpleRouter

from . import views

app_name = "regions-api"

router = SimpleRouter()
router.register("regions", views.RegionViewSet)

urlpatterns = router.urls
