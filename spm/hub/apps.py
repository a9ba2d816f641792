from django.apps import AppConfig


class HubConfig(AppConfig):
    name = "spm.hub"
    label = "hub"
    verbose_name = "Cross-pillar composition"
