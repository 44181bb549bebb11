from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SparesConfig(AppConfig):
    name = "spares"
    verbose_name = _("Spares")

    def ready(self):
        from stations import providers

        from . import (
            permissions,  # noqa: F401 - registers this area's rules in repairnet.roles
            selectors,
            services,
        )

        providers.register("deposit_balance", selectors.deposit_balance)
        providers.register("deposit_record", services.deposit_record)
        providers.register("deposit_forfeit", services.deposit_forfeit_balance)
        providers.register("deposit_refund", services.deposit_refund_balance)
        providers.register("stock_outstanding", selectors.stock_outstanding)
