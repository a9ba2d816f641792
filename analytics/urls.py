from django.urls import path

from . import members, views

app_name = "analytics"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("sellers/<int:pk>/", views.SellerDetailView.as_view(), name="seller_detail"),
    path("audit/", views.AuditView.as_view(), name="audit"),
    path("members/", members.MembersView.as_view(), name="members"),
    path("members/<int:pk>/role/", members.MemberRoleView.as_view(), name="member_role"),
    path("members/<int:pk>/remove/", members.MemberRemoveView.as_view(), name="member_remove"),
    path("members/<int:pk>/seller/", members.MemberSellerView.as_view(), name="member_seller"),
]
