from rest_framework.routers import SimpleRouter

from . import views

app_name = "varieties-api"

router = SimpleRouter()
router.register("varieties", views.PlantVarietyViewSet)

urlpatterns = router.urls
