import logging

from celery import shared_task
from django.utils.translation import gettext_noop

from repairnet import roles
from repairnet.jobs import tracked_job

log = logging.getLogger("fraud")


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3, acks_late=True)
def fraud_evaluate_task(self):
    """Nightly: every rule over the tickets completed in the look-back window."""
    from .services import fraud_evaluate

    @tracked_job("fraud_evaluate", gettext_noop("Fraud signals"))
    def run():
        return fraud_evaluate(actor=roles.SYSTEM)

    return run()


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3, acks_late=True)
def fraud_evaluate_ticket_task(self, ticket_id: int):
    """On completion: the rules over one ticket (idempotent, so a retry creates nothing twice)."""
    from .services import fraud_evaluate

    return fraud_evaluate(actor=roles.SYSTEM, ticket_ids=[ticket_id])
