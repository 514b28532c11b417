from rest_framework.routers import SimpleRouter

from . import views

app_name = "producers-api"

router = SimpleRouter()
router.register("producers", views.ProducerViewSet)

urlpatterns = router.urls
