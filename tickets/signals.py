"""Signals this area sends, for the areas above it (fraud) to react without tickets importing them."""

from django.dispatch import Signal

# sent inside ticket_complete's transaction, with ticket_id; receivers queue their work with on_commit
ticket_completed = Signal()
