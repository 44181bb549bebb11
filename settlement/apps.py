from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SettlementConfig(AppConfig):
    name = "settlement"
    verbose_name = _("Settlement")

    def ready(self):
        from stations import providers

        from . import (
            permissions,  # noqa: F401 - registers this area's rules in repairnet.roles
            selectors,
        )

        providers.register("station_statements", selectors.statement_list_for)
