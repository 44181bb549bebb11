from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Repair tickets")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from repairnet.selectors import audit_verb_labels_register
        from stations import providers

        from . import (
            permissions,  # noqa: F401 - registers this area's rules in repairnet.roles
            selectors,
            sla,
        )
        from .models import Holiday, SlaPolicy
        from .templatetags.tickets_tags import VERBS

        audit_verb_labels_register(model_label="tickets.ticket", labels=VERBS)
        providers.register("open_tickets", selectors.station_open_tickets)
        providers.register("assessment_inputs", selectors.assessment_inputs)

        for model in (Holiday, SlaPolicy):
            post_save.connect(sla.reference_changed, sender=model, dispatch_uid=f"sla-reference-{model.__name__}")
            post_delete.connect(sla.reference_changed, sender=model, dispatch_uid=f"sla-reference-d-{model.__name__}")
