"""Model fields every area declares the same way."""

from django.conf import settings
from django.db import models


def user_ref(verbose_name, *, blank: bool = True, related_name: str | None = "+") -> models.ForeignKey:
    """The person who did something to a row (requested, decided, recorded it): optional, never deleted while
    referenced, and by default with no reverse accessor on the user."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        null=True,
        blank=blank,
        on_delete=models.PROTECT,
        related_name=related_name,
    )
