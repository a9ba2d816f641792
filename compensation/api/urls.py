"""Pay pillar API routes, included under /api/v1/t/<tenant>/ by spm/urls.py."""

from rest_framework.routers import SimpleRouter

from compensation.api import views

router = SimpleRouter()
router.register("plans", views.CompPlanViewSet, basename="api-plan")
router.register("assignments", views.PlanAssignmentViewSet, basename="api-assignment")
router.register("statements", views.StatementViewSet, basename="api-statement")
router.register("adjustments", views.AdjustmentViewSet, basename="api-adjustment")
router.register("runs", views.CalculationRunViewSet, basename="api-run")

urlpatterns = router.urls
