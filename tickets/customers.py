"""Customer identity: the one rule that says two customer rows are one person, and the merge that makes them one row.

A caller is the same customer when the name is the same and a number is shared (the first or the second phone
of either): the hotline finds a repeat caller by it (``services._customer_resolve``), and rows that turn out to be
one customer — "0371-12345678" and "037112345678" before numbers were stored in E.164 — are merged by it
(``services.customers_merge`` and the data migration that converted the numbers).

Everything here takes the model from its arguments (``type(keep)``, ``customer_model``) and imports no model, so
the migration runs the same code on its historical models. The callers write the audit row (verb ``MERGED``).
"""

from django.db.models import Exists, OuterRef, Q

MERGED = "customer_merged"
# What the kept row takes from the duplicate when it has none itself.
FILLED_FIELDS = ("address", "region_id", "carrier_account")


def customer_same(*, phone: str, name: str) -> Q:
    """The customers who are the caller: this name, and this number as their first or second phone."""
    return (Q(phone=phone) | Q(phone2=phone)) & Q(name=(name or "").strip())


def _numbers(customer) -> set[str]:
    return {n for n in (customer.phone, customer.phone2) if n}


def customers_are_same(a, b) -> bool:
    """Whether two rows are one customer by the rule of ``customer_same`` (a shared number, the same name)."""
    return a.pk != b.pk and a.name.strip() == b.name.strip() and bool(_numbers(a) & _numbers(b))


def customer_duplicate_ids(customer_model, *, ids: list[int] | None = None) -> list[int]:
    """The rows (of ``ids``, or all) that are an older row's customer again, oldest first (one query; each row
    an index probe)."""
    older = customer_model._base_manager.filter(name=OuterRef("name"), pk__lt=OuterRef("pk"))
    by_phone = older.filter(Q(phone=OuterRef("phone")) | Q(phone2=OuterRef("phone")))
    by_phone2 = older.filter(Q(phone=OuterRef("phone2")) | Q(phone2=OuterRef("phone2")))
    duplicates = customer_model._base_manager.filter(
        (~Q(phone="") & Exists(by_phone)) | (~Q(phone2="") & Exists(by_phone2))
    )
    if ids is not None:
        duplicates = duplicates.filter(pk__in=ids)
    return list(duplicates.order_by("pk").values_list("pk", flat=True))


def customer_original(duplicate):
    """The oldest other row that is the same customer as ``duplicate``, or None."""
    numbers = sorted(_numbers(duplicate))
    if not numbers:
        return None
    return (
        type(duplicate)
        ._base_manager.filter(Q(phone__in=numbers) | Q(phone2__in=numbers), name=duplicate.name.strip())
        .exclude(pk=duplicate.pk)
        .order_by("pk")
        .first()
    )


def customer_merge_rows(*, keep, duplicate) -> dict:
    """Make ``duplicate`` part of ``keep`` and delete it; returns what was done (the audit row's data).

    Every row pointing at the duplicate (devices, tickets, whatever points at a customer) points at ``keep``
    afterwards; ``keep`` takes the duplicate's other number as its second phone when it has none, and its
    address, region and carrier account where it has none. The caller holds both rows locked.
    """
    model = type(keep)
    moved: dict[str, list[int]] = {}
    for relation in model._meta.related_objects:
        if not relation.one_to_many:
            # A one-to-one or many-to-many link to customers needs its own rule: fail rather than lose it.
            raise NotImplementedError(f"merging customers cannot move {relation.related_model._meta.label}")
        rows = relation.related_model._base_manager.filter(**{relation.field.name: duplicate.pk})
        ids = sorted(rows.values_list("pk", flat=True))
        if ids:
            relation.related_model._base_manager.filter(pk__in=ids).update(**{relation.field.name: keep.pk})
            moved[relation.related_model._meta.label_lower] = ids
    filled = []
    extra = sorted(_numbers(duplicate) - _numbers(keep))
    if extra and not keep.phone2:
        keep.phone2 = extra[0]
        filled.append("phone2")
    for field in FILLED_FIELDS:
        if not getattr(keep, field) and getattr(duplicate, field):
            setattr(keep, field, getattr(duplicate, field))
            filled.append(field.removesuffix("_id"))
    if filled:
        keep.save(update_fields=filled)
    data = {
        "duplicate": duplicate.pk,
        "duplicate_name": duplicate.name,
        "duplicate_phones": sorted(_numbers(duplicate)),
        "moved": moved,
        "filled": filled,
    }
    duplicate.delete()
    return data


def customers_merge_all(customer_model, *, merge, ids: list[int] | None = None) -> int:
    """Merge every duplicate (of ``ids``, or all) into the oldest row of its customer with
    ``merge(keep=, duplicate=)`` (the service, or the migration's own writer of the audit row); returns how many
    rows were merged away."""
    merged = 0
    for pk in customer_duplicate_ids(customer_model, ids=ids):
        duplicate = customer_model._base_manager.filter(pk=pk).first()
        keep = customer_original(duplicate) if duplicate is not None else None
        if keep is None or keep.pk > duplicate.pk:
            continue  # merged away already, or its original was (and kept another number)
        merge(keep=keep, duplicate=duplicate)
        merged += 1
    return merged
