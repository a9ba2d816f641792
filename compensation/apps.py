from django.apps import AppConfig


class CompensationConfig(AppConfig):
    name = "compensation"
    verbose_name = "Pay"

    def ready(self) -> None:
        from compensation import signals

        signals.connect()  # recalculation on change (compensation.services.recalculation)
