from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class SpmConfig(AppConfig):
    name = "spm"
    verbose_name = "Revenue Command Center kernel"

    def ready(self) -> None:
        from spm.tenancy.db import switch_to_app_role
        from spm.tenancy.grants import grant_app_role

        connection_created.connect(switch_to_app_role, dispatch_uid="spm_switch_to_app_role")
        post_migrate.connect(grant_app_role, sender=self, dispatch_uid="spm_grant_app_role")
