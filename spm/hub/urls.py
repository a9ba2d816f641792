"""Pages of cross-pillar composition, under /t/<tenant>/."""

from django.urls import path

from spm.hub import members

app_name = "hub"

urlpatterns = [
    path("members/", members.MembersView.as_view(), name="members"),
    path("members/<int:pk>/role/", members.MemberRoleView.as_view(), name="member_role"),
    path("members/<int:pk>/remove/", members.MemberRemoveView.as_view(), name="member_remove"),
    path("members/<int:pk>/seller/", members.MemberSellerView.as_view(), name="member_seller"),
]
