from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FraudConfig(AppConfig):
    name = "fraud"
    verbose_name = _("Fraud signals")

    def ready(self):
        from . import (
            permissions,  # noqa: F401 - registers this area's rules in repairnet.roles
            receivers,  # noqa: F401 - evaluates a ticket's rules when it is completed
        )
