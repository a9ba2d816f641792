"""Perform pillar API routes, included under /api/v1/t/<tenant>/ by spm/urls.py."""

from rest_framework.routers import SimpleRouter

from performance.api import views
from performance.pipeline.api import PipelineViewSet
from performance.scorecards.api import ScorecardViewSet

router = SimpleRouter()
router.register("deals", views.OpportunityViewSet, basename="api-deal")
router.register("pipeline", PipelineViewSet, basename="api-pipeline")
router.register("scorecards", ScorecardViewSet, basename="api-scorecard")

urlpatterns = router.urls
