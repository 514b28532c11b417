from rest_framework.routers import SimpleRouter

from . import views

app_name = "brands-api"

router = SimpleRouter()
router.register("gi-marks", views.GIMarkViewSet, basename="gimark")
router.register("famous-marks", views.FamousMarkViewSet, basename="famousmark")
router.register(
    "customs-recordations", views.CustomsRecordationViewSet, basename="customsrecordation"
)

urlpatterns = router.urls
