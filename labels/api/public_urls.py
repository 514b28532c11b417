"""REST routes of the special-label register under /api/labels/: public reads of
authorizations and cancellations, and the workflow for producers and staff."""

from rest_framework.routers import SimpleRouter

from . import applications, public, supervision

app_name = "labels-public-api"

router = SimpleRouter()
router.register("authorizations", public.AuthorizationViewSet, basename="authorization")
router.register("cancellations", public.CancellationViewSet, basename="cancellation")
router.register("applications", applications.ApplicationViewSet, basename="application")
router.register("annual-reports", applications.AnnualReportViewSet, basename="annualreport")
router.register("supervision", supervision.SupervisionViewSet, basename="supervision")

urlpatterns = router.urls
