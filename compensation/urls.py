from django.urls import path

from compensation.acceptance import views as acceptance_views
from compensation.accounting import views as accounting_views
from compensation.breakdown import views as breakdown_views
from compensation.disputes import views as dispute_views
from compensation.estimator import views as estimator_views
from compensation.holds import views as hold_views
from compensation.liability import views as liability_views
from compensation.payroll import views as payroll_views
from compensation.plan_editor import views as plan_editor_views
from compensation.routing import views as routing_views

from . import views

app_name = "compensation"

urlpatterns = [
    path("statements/", views.StatementListView.as_view(), name="statements"),
    path("statements/<int:pk>/", views.StatementDetailView.as_view(), name="statement_detail"),
    path("statements/<int:pk>/publish/", views.StatementPublishView.as_view(), name="statement_publish"),
    path("statements/<int:pk>/approve/", views.StatementApproveView.as_view(), name="statement_approve"),
    path("statements/<int:pk>/pay/", views.StatementMarkPaidView.as_view(), name="statement_mark_paid"),
    path("statements/<int:pk>/adjustments/", views.StatementAdjustView.as_view(), name="statement_adjust"),
    path("statements/<int:pk>/recalculate/", views.StatementRecalculateView.as_view(), name="statement_recalculate"),
    path("statements/<int:pk>/export.csv", views.StatementExportView.as_view(), name="statement_export"),
    path("approvals/", views.ApprovalsView.as_view(), name="approvals"),
    path("runs/", views.RunListView.as_view(), name="runs"),
    path("runs/new/", views.RunCreateView.as_view(), name="run_create"),
    path("runs/<int:pk>/", views.RunDetailView.as_view(), name="run_detail"),
    path("runs/<int:pk>/progress/", views.RunProgressView.as_view(), name="run_progress"),
    path("plans/", views.PlanListView.as_view(), name="plans"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    # pay in full (issue 12)
    path("statements/<int:pk>/print/", breakdown_views.StatementPrintView.as_view(), name="statement_print"),
    path("statements/<int:pk>/lines/", breakdown_views.StatementLinesView.as_view(), name="statement_lines"),
    path("statements/<int:pk>/by-deal.csv", breakdown_views.StatementBreakdownCSVView.as_view(), name="statement_breakdown_csv"),
    path("statements/<int:pk>/disputes/", dispute_views.DisputeOpenView.as_view(), name="dispute_open"),
    path("disputes/", dispute_views.DisputeListView.as_view(), name="disputes"),
    path("disputes/<int:pk>/", dispute_views.DisputeDetailView.as_view(), name="dispute_detail"),
    path("disputes/<int:pk>/comment/", dispute_views.DisputeCommentView.as_view(), name="dispute_comment"),
    path("disputes/<int:pk>/review/", dispute_views.DisputeReviewView.as_view(), name="dispute_review"),
    path("disputes/<int:pk>/accept/", dispute_views.DisputeAcceptView.as_view(), name="dispute_accept"),
    path("disputes/<int:pk>/reject/", dispute_views.DisputeRejectView.as_view(), name="dispute_reject"),
    path("plans/import/", plan_editor_views.PlanImportView.as_view(), name="plan_import"),
    path("plans/<int:pk>/edit/", plan_editor_views.PlanEditView.as_view(), name="plan_edit"),
    path("plans/<int:pk>/document.json", plan_editor_views.PlanExportView.as_view(), name="plan_export"),
    path("plans/acceptance/", acceptance_views.PlanAcceptanceListView.as_view(), name="plan_acceptance"),
    path("plans/<int:pk>/accept/", acceptance_views.PlanAcceptView.as_view(), name="plan_accept"),
    path("estimate/", estimator_views.EstimateView.as_view(), name="estimate"),
    path("estimate/mine/", estimator_views.MyEstimatesFragment.as_view(), name="estimate_mine"),
    path("estimate/deals/<int:pk>/", estimator_views.DealEstimateFragment.as_view(), name="estimate_deal"),
    path("payroll/", payroll_views.PayrollView.as_view(), name="payroll"),
    path("payroll/<int:pk>/", payroll_views.PayrollBatchView.as_view(), name="payroll_batch"),
    path("payroll/<int:pk>/export.csv", payroll_views.PayrollBatchCSVView.as_view(), name="payroll_batch_csv"),
    path("accounting/", accounting_views.AccountingView.as_view(), name="accounting"),
    path("holds/", hold_views.HoldListView.as_view(), name="holds"),
    path("holds/<int:pk>/release/", hold_views.HoldReleaseView.as_view(), name="hold_release"),
    path("statements/<int:pk>/hold/", hold_views.HoldPlaceView.as_view(), name="hold_place"),
    path("approval-route/", routing_views.ApprovalRouteView.as_view(), name="approval_route"),
    path("approvals/my-steps/", routing_views.MyStepsView.as_view(), name="my_steps"),
    path("statements/<int:pk>/approve-step/", routing_views.StatementStepApproveView.as_view(), name="statement_step_approve"),
    path("liability/", liability_views.LiabilityView.as_view(), name="liability"),
    path("periods/close/", liability_views.PeriodCloseView.as_view(), name="period_close"),
    path("accounting/journal.csv", accounting_views.JournalCSVView.as_view(), name="accounting_journal"),
]
