"""Analytics API: fraud alerts."""

from rest_framework.routers import SimpleRouter

from .views_fraud import FraudAlertViewSet

router = SimpleRouter(trailing_slash=False)
router.register("fraudAlert", FraudAlertViewSet, basename="analytics-fraud-alert")
urlpatterns = router.urls
