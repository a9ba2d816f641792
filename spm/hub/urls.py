"""Pages of cross-pillar composition, under /t/<tenant>/."""

from django.urls import path

from spm.hub import import_views, members

app_name = "hub"

urlpatterns = [
    path("members/", members.MembersView.as_view(), name="members"),
    path("members/<int:pk>/role/", members.MemberRoleView.as_view(), name="member_role"),
    path("members/<int:pk>/remove/", members.MemberRemoveView.as_view(), name="member_remove"),
    path("members/<int:pk>/seller/", members.MemberSellerView.as_view(), name="member_seller"),
    path("imports/", import_views.ImportListView.as_view(), name="imports"),
    path("imports/webhook-secret/", import_views.WebhookSecretView.as_view(), name="webhook_secret"),
    path("imports/<int:pk>/", import_views.ImportDetailView.as_view(), name="import_detail"),
    path("imports/<int:pk>/progress/", import_views.ImportProgressView.as_view(), name="import_progress"),
    path("imports/<int:pk>/errors.csv", import_views.ImportErrorsView.as_view(), name="import_errors"),
]

from spm.hub import quota_planning  # noqa: E402

urlpatterns += [
    path("capacity/<int:pk>/quota-sets/new/", quota_planning.QuotaSetCreateView.as_view(), name="quota_set_create"),
    path("capacity/<int:pk>/incentives/", quota_planning.ScenarioIncentivesView.as_view(), name="capacity_incentives"),
]
