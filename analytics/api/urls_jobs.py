"""Analytics API: jobs and the model registry."""

from rest_framework.routers import SimpleRouter

from .views_jobs import AnalyticsJobViewSet, ModelVersionViewSet

router = SimpleRouter(trailing_slash=False)
router.register("job", AnalyticsJobViewSet, basename="analytics-job")
router.register("modelVersion", ModelVersionViewSet, basename="analytics-model-version")
urlpatterns = router.urls
