"""Perform pillar API routes, included under /api/v1/t/<tenant>/ by spm/urls.py."""

from rest_framework.routers import SimpleRouter

from performance.activities import api as activities_api
from performance.alerts import api as alerts_api
from performance.api import views
from performance.coaching import api as coaching_api
from performance.forecasting import api as forecasting_api
from performance.pipeline.api import PipelineViewSet
from performance.scorecards.api import ScorecardViewSet

router = SimpleRouter()
router.register("deals", views.OpportunityViewSet, basename="api-deal")
router.register("pipeline", PipelineViewSet, basename="api-pipeline")
router.register("scorecards", ScorecardViewSet, basename="api-scorecard")
# Forecasting, alerts and coaching (issue 10): viewsets live in their sub-packages.
router.register("forecast", forecasting_api.ForecastViewSet, basename="api-forecast")
router.register("forecast-submissions", forecasting_api.SubmissionViewSet, basename="api-forecast-submission")
router.register("forecast-overrides", forecasting_api.OverrideViewSet, basename="api-forecast-override")
router.register("forecast-models", forecasting_api.WinModelViewSet, basename="api-forecast-model")
router.register("alerts", alerts_api.AlertViewSet, basename="api-alert")
router.register("coaching-notes", coaching_api.NoteViewSet, basename="api-coaching-note")
router.register("follow-ups", coaching_api.FollowUpViewSet, basename="api-follow-up")
router.register("activities", activities_api.ActivityViewSet, basename="api-activity")

urlpatterns = router.urls
