from django.urls import path

from performance.pipeline import views

urlpatterns = [
    path("pipeline/", views.PipelineView.as_view(), name="pipeline"),
    path("pipeline/flow/", views.PipelineFlowPanel.as_view(), name="pipeline_flow"),
    path("pipeline/risks/", views.PipelineRisksPanel.as_view(), name="pipeline_risks"),
    path("pipeline/deals/", views.PipelineDealsView.as_view(), name="pipeline_deals"),
    path("pipeline/definitions/", views.DefinitionsView.as_view(), name="pipeline_definitions"),
]
