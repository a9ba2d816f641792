"""Territory pages, included by planning/urls.py under /t/<tenant>/territories/."""

from django.urls import path

from planning.territories import views

PLAN = "<int:territoryplan_pk>/"

urlpatterns = [
    path("", views.TerritoryPlanListView.as_view(), name="territory_plans"),
    path("compare/", views.TerritoryPlanCompareView.as_view(), name="territory_compare"),
    path("accounts/import/", views.AccountImportView.as_view(), name="account_import"),
    path(PLAN, views.TerritoryPlanDetailView.as_view(), name="territory_plan"),
    path(PLAN + "evaluate/", views.TerritoryPlanEvaluateView.as_view(), name="territory_plan_evaluate"),
    path(PLAN + "balance/", views.TerritoryPlanBalanceView.as_view(), name="territory_plan_balance"),
    path(PLAN + "publish/", views.TerritoryPlanPublishView.as_view(), name="territory_plan_publish"),
    path(PLAN + "archive/", views.TerritoryPlanArchiveView.as_view(), name="territory_plan_archive"),
    path(PLAN + "overrides/", views.TerritoryOverrideView.as_view(), name="territory_override"),
    path(PLAN + "territories/new/", views.TerritoryEditView.as_view(), name="territory_new"),
    path(PLAN + "territories/<int:territory_pk>/", views.TerritoryEditView.as_view(), name="territory_edit"),
    path(PLAN + "moves/<int:territorymove_pk>/accept/", views.TerritoryMoveDecideView.as_view(), name="territory_move_accept"),
    path(PLAN + "moves/<int:territorymove_pk>/reject/", views.TerritoryMoveRejectView.as_view(), name="territory_move_reject"),
]
