from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SparesConfig(AppConfig):
    name = "spares"
    verbose_name = _("Spares")

    def ready(self):
        from repairnet.selectors import audit_verb_labels_register
        from stations import providers

        from . import (
            permissions,  # noqa: F401 - registers this area's rules in repairnet.roles
            selectors,
            services,
        )

        # the verbs the spares services write on their requests' and shipments' history, as a person reads them
        verbs = {
            "requested": pgettext_lazy("history", "requested"),
            "proposed": pgettext_lazy("history", "proposed"),
            "approved": pgettext_lazy("history", "approved"),
            "rejected": pgettext_lazy("history", "rejected"),
            "shipped": pgettext_lazy("history", "shipped"),
            "received": pgettext_lazy("history", "received"),
        }
        for model in ("writeoff", "stocktakeproposal", "replenishment", "shipment"):
            audit_verb_labels_register(model_label=f"spares.{model}", labels=verbs)
        providers.register("deposit_balance", selectors.deposit_balance)
        providers.register("deposit_record", services.deposit_record)
        providers.register("deposit_forfeit", services.deposit_forfeit_balance)
        providers.register("deposit_refund", services.deposit_refund_balance)
        providers.register("stock_outstanding", selectors.stock_outstanding)
