from django.apps import AppConfig


class ComicsConfig(AppConfig):
    name = "comics"
    verbose_name = "Comics"

    def ready(self) -> None:
        from comics import signals

        signals.connect()
