"""Forecast pages, included into the `performance` namespace by performance/urls.py."""

from django.urls import path

from performance.forecasting import views

urlpatterns = [
    path("forecast/", views.ForecastView.as_view(), name="forecast"),
    path("forecast/submit/", views.ForecastSubmitView.as_view(), name="forecast_submit"),
    path("forecast/override/", views.ForecastOverrideView.as_view(), name="forecast_override"),
    path("forecast/override/<int:pk>/remove/", views.ForecastOverrideRemoveView.as_view(),
         name="forecast_override_remove"),
    path("forecast/stages/", views.StageProbabilitiesView.as_view(), name="forecast_stages"),
    path("forecast/model/train/", views.WinModelTrainView.as_view(), name="forecast_model_train"),
]
