from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepairnetConfig(AppConfig):
    name = "repairnet"
    verbose_name = _("System")

    def ready(self):
        from repairnet import dataversion  # noqa: F401  (watches every connection's writes)
