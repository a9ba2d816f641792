from django.urls import path

from performance.scorecards import views

urlpatterns = [
    path("scorecards/", views.ScorecardsView.as_view(), name="scorecards"),
    path("scorecards/sellers/<int:pk>/", views.SellerScorecardView.as_view(), name="scorecard_seller"),
]
