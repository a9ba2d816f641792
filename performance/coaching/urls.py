from django.urls import path

from performance.coaching import views

urlpatterns = [
    path("coaching/", views.CoachingListView.as_view(), name="coaching"),
    path("coaching/<int:pk>/", views.CoachingSellerView.as_view(), name="coaching_seller"),
    path("coaching/<int:pk>/notes/", views.NoteCreateView.as_view(), name="coaching_note_create"),
    path("coaching/<int:pk>/follow-ups/", views.FollowUpCreateView.as_view(), name="coaching_follow_up_create"),
    path("coaching/<int:pk>/activities/", views.ActivityCreateView.as_view(), name="coaching_activity_create"),
    path("follow-ups/<int:pk>/done/", views.FollowUpCompleteView.as_view(), name="follow_up_complete"),
]
