from django.apps import AppConfig


class DigestsConfig(AppConfig):
    name = "digests"
    verbose_name = "Digests: topics, perspectives and placements"

    def ready(self):
        from . import (
            receivers,  # noqa: F401  (connects the signal receivers)
            revisions,  # noqa: F401  (registers digests with django-reversion)
        )
