"""Customers that turn out to be one person: the duplicate row merged into the one kept (``tickets.customers``)."""

from django.db import transaction
from django.utils.translation import gettext as _

from repairnet import roles
from repairnet.services import audit_record, ensure

from .. import customers as identity
from ..models import Customer


@transaction.atomic
def customers_merge(*, keep: Customer, duplicate: Customer, actor, reason: str) -> Customer:
    """Merge ``duplicate`` into ``keep`` — the same name and a shared number (the hotline's identity rule): its
    devices, tickets and whatever else points at it move to ``keep``, which takes the details it lacks; the
    duplicate is deleted and the kept customer's audit trail records what was merged and why."""
    roles.require(actor, "customers.merge")
    reason = (reason or "").strip()
    ensure(bool(reason), _("Please give a reason."), "reason_required", field="reason")
    ensure(keep.pk != duplicate.pk, _("A customer cannot be merged into itself."), "same_customer")
    rows = {c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk]).order_by("pk")}
    ensure(len(rows) == 2, _("The customer no longer exists."), "not_found")
    keep, duplicate = rows[keep.pk], rows[duplicate.pk]
    ensure(
        identity.customers_are_same(keep, duplicate),
        _("Only customers with the same name and a shared phone number can be merged."),
        "not_same_customer",
    )
    data = identity.customer_merge_rows(keep=keep, duplicate=duplicate)
    audit_record(obj=keep, verb=identity.MERGED, actor=actor, note=reason, data=data)
    return keep


def customers_merge_duplicates(*, actor, reason: str, ids: list[int] | None = None) -> int:
    """Merge every customer (of ``ids``, or all) that is an older row's customer again into the oldest; returns
    how many were merged. Each merge is its own transaction (``customers_merge``), so a long run keeps what it
    has done."""
    roles.require(actor, "customers.merge")
    ensure(bool((reason or "").strip()), _("Please give a reason."), "reason_required", field="reason")
    return identity.customers_merge_all(
        Customer,
        merge=lambda *, keep, duplicate: customers_merge(keep=keep, duplicate=duplicate, actor=actor, reason=reason),
        ids=ids,
    )
