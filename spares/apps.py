from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SparesConfig(AppConfig):
    name = "spares"
    verbose_name = _("Spares")

    def ready(self):
        from . import permissions  # noqa: F401 - registers this area's rules in repairnet.roles
