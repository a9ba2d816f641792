"""Pay pillar API routes, included under /api/v1/t/<tenant>/ by spm/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from compensation.acceptance.api import PlanAcceptanceViewSet
from compensation.accounting.api import JournalView
from compensation.api import views
from compensation.disputes.api import DisputeViewSet
from compensation.estimator.api import EstimateView
from compensation.holds.api import HoldViewSet
from compensation.payroll.api import PayrollBatchViewSet
from compensation.plan_editor.api import PlanDocumentViewSet
from compensation.routing.api import ApprovalStepViewSet

router = SimpleRouter()
router.register("plans", views.CompPlanViewSet, basename="api-plan")
router.register("assignments", views.PlanAssignmentViewSet, basename="api-assignment")
router.register("statements", views.StatementViewSet, basename="api-statement")
router.register("lines", views.EarningLineViewSet, basename="api-line")
router.register("adjustments", views.AdjustmentViewSet, basename="api-adjustment")
router.register("runs", views.CalculationRunViewSet, basename="api-run")
router.register("disputes", DisputeViewSet, basename="api-dispute")
router.register("payroll-batches", PayrollBatchViewSet, basename="api-payroll-batch")
router.register("plan-acceptances", PlanAcceptanceViewSet, basename="api-plan-acceptance")
router.register("plan-documents", PlanDocumentViewSet, basename="api-plan-document")
router.register("holds", HoldViewSet, basename="api-hold")
router.register("approval-steps", ApprovalStepViewSet, basename="api-approval-step")

urlpatterns = [
    *router.urls,
    path("estimate/", EstimateView.as_view(), name="api-estimate"),
    path("accounting/journal/", JournalView.as_view(), name="api-accounting-journal"),
]
