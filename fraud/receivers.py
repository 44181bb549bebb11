"""Completion hook: a completed ticket's rules are evaluated after the commit, in a task (never in the request)."""

import logging

from django.db import transaction
from django.dispatch import receiver

from tickets.signals import ticket_completed

log = logging.getLogger("fraud")


@receiver(ticket_completed, dispatch_uid="fraud_evaluate_on_completion")
def evaluate_on_completion(sender, ticket_id: int, **kwargs):
    from .tasks import fraud_evaluate_ticket_task  # the tasks module imports the services

    def queue():
        try:
            fraud_evaluate_ticket_task.delay(ticket_id)
        except Exception:  # the completion stands; the nightly run picks the ticket up
            log.exception("fraud evaluation of ticket %s could not be queued", ticket_id)

    transaction.on_commit(queue)
