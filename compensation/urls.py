from django.urls import path

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
]
