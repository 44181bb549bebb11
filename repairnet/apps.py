from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepairnetConfig(AppConfig):
    name = "repairnet"
    verbose_name = _("System")

    def ready(self):
        # dataversion watches every connection's writes; metrics counts Celery task outcomes (in workers too)
        from repairnet import dataversion, metrics  # noqa: F401
