from django.apps import AppConfig


class CompensationConfig(AppConfig):
    name = "compensation"
    verbose_name = "Pay"

    def ready(self) -> None:
        from compensation.services.recalculation import change_record
        from spm.changes import subscribe

        subscribe(change_record)  # recalculation on change reads the kernel's change feed
