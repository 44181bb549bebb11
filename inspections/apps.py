from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Inspections")

    def ready(self):
        from stations import providers

        from . import (
            permissions,  # noqa: F401 - registers this area's rules in repairnet.roles
            selectors,
        )

        providers.register("latest_inspection_scores", selectors.latest_inspection_scores)
