"""Phone numbers: the one parser behind every place that takes one (applications, stations, staff, customers).

Numbers are read with ``phonenumbers`` as mainland China numbers (region CN): a mobile (``138 1234 5678``), a
landline with its area code (``0371-1234 5678``, ``(010) 1234 5678``) or either with ``+86``/``0086`` in front.
Only valid numbers pass (``12012345678`` does not), and they are stored in E.164 (``+8613812345678``,
``+8637112345678``), so one number is one string whatever the caller typed. Pages show the national format
(``phone_display``), ``tel:`` links use E.164 (``phone_tel``), searches turn what an agent typed into the stored
prefix (``phone_prefix``). Forms, serializers and models take the number through the fields at the end.
"""

import functools
import re

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext as _
from rest_framework import serializers

REGION = "CN"
COUNTRY_CODE = "+86"
MAX_LENGTH = 20  # the columns; an E.164 number has at most 16 characters

# What a person types around the digits: spaces, hyphens and dots, brackets round the area code, a leading plus
# (half or full width, as a Chinese keyboard gives them). Letters are refused: phonenumbers would read them as a
# keypad's letters (138ABCD5678 → 13822235678).
_TYPED = re.compile(r"[+＋]?[\d\s\-‐–—－.()（）]+")
_SEPARATORS = re.compile(r"[\s\-‐–—－.()（）]")


def _message() -> str:
    return _("Enter a valid mobile number, or a landline with its area code (e.g. 0371-12345678).")


def _invalid(field: str | None) -> ValidationError:
    error = ValidationError(_message(), code="phone")
    return ValidationError({field: [error]}) if field else error


def _parsed(text: str) -> phonenumbers.PhoneNumber | None:
    """The valid mainland China number that ``text`` spells, or None."""
    text = (text or "").strip()
    if not text or len(text) > 40 or not _TYPED.fullmatch(text):
        return None
    try:
        number = phonenumbers.parse(text.replace("＋", "+"), REGION)
    except phonenumbers.NumberParseException:
        return None
    if number.extension or not phonenumbers.is_valid_number_for_region(number, REGION):
        return None
    return number


def phone_normalise(text: str, *, field: str | None = None) -> str:
    """``text`` as an E.164 number (``+8613812345678``), or a ValidationError with the Chinese message (code
    ``phone``; keyed by ``field`` when given, so forms show it on that input)."""
    number = _parsed(text)
    if number is None:
        raise _invalid(field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_normalise_optional(text: str, *, field: str | None = None) -> str:
    """Like ``phone_normalise``, but an empty ``text`` is an empty number (optional phones: staff, second phone)."""
    return phone_normalise(text, field=field) if (text or "").strip() else ""


def phone_or_none(text: str) -> str | None:
    """The E.164 number ``text`` spells, or None (look-ups that answer "no match" to a wrong number)."""
    number = _parsed(text)
    return None if number is None else phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@functools.lru_cache(maxsize=20_000)
def _stored(value: str) -> tuple[str, str] | None:
    """A stored E.164 number's national format and national digits (``0371 1234 5678``, ``037112345678``), or
    None for anything else (a masked number, a row no migration could read). Cached: formatting costs ~0.1 ms,
    and exports show the same numbers many times."""
    if not isinstance(value, str) or not value.startswith("+"):
        return None
    number = _parsed(value)
    if number is None:
        return None
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return national, re.sub(r"\D", "", national)


def phone_display(value: str) -> str:
    """A stored number in the national format (``138 1234 5678``, ``0371 1234 5678``); other text as it is."""
    formats = _stored(value) if isinstance(value, str) else None
    return formats[0] if formats else (value or "")


def phone_national_digits(value: str) -> str:
    """A stored number's national digits, trunk 0 included (``13812345678``, ``037112345678``); other text as is."""
    formats = _stored(value) if isinstance(value, str) else None
    return formats[1] if formats else (value or "").strip()


def phone_tel(value: str) -> str:
    """``tel:+8613812345678`` for a stored number, "" for anything else (a masked number gets no link)."""
    return f"tel:{value}" if isinstance(value, str) and _stored(value) is not None else ""


def phone_link(value: str) -> str:
    """The number as a ``tel:`` link showing the national format; a masked or unreadable number as plain text."""
    tel = phone_tel(value)
    if not tel:
        return format_html("{}", value or "")
    return format_html('<a href="{}" class="text-nowrap">{}</a>', tel, phone_display(value))


def phone_prefix(text: str) -> str | None:
    """The stored (E.164) prefix of what an agent typed, or None when it is not the start of a number.

    ``138123`` → ``+86138123``; ``0371-1234`` → ``+863711234`` (a landline's trunk 0 is not part of E.164);
    ``+86 138`` and ``0086138`` → ``+86138``; a complete number → its E.164 form. Text that holds no digit of the
    national number (``0``, ``+86``) is None: as a prefix it would be every number.
    """
    text = (text or "").strip()
    if not text or not _TYPED.fullmatch(text):
        return None
    full = phone_or_none(text)
    if full is not None:
        return full
    digits = _SEPARATORS.sub("", text).replace("＋", "+")
    digits = "+" + digits[1:] if digits.startswith("+") else digits
    if not re.fullmatch(r"\+?\d+", digits):
        return None
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("+"):
        national = digits[3:] if digits.startswith(COUNTRY_CODE) else None
        if national is None:
            return None  # another country (or "+8"): no stored number starts so
        national = national.removeprefix("0")  # "+86 (0)371 …"
    elif digits.startswith("0"):
        national = digits[1:]
        if national == "1":
            national = "10"  # the one area code that starts with 1 (Beijing): "01" is not the start of a mobile
    else:
        national = digits
    return COUNTRY_CODE + national if national else None


def phones_to_e164(model, *fields: str, batch: int = 1000) -> dict[str, int]:
    """Rewrite ``fields`` of every row of ``model`` in E.164 where they spell a valid number (data migrations pass
    their historical model). A value that is no valid number is left as it was, to be corrected by hand; returns
    ``{"changed": rows rewritten, "unreadable": values left}``."""
    manager, last, counts = model._base_manager, 0, {"changed": 0, "unreadable": 0}
    while True:
        rows = list(manager.filter(pk__gt=last).order_by("pk").values_list("pk", *fields)[:batch])
        if not rows:
            return counts
        changed: dict[str, list] = {field: [] for field in fields}
        rows_changed = set()
        for pk, *values in rows:
            for field, value in zip(fields, values, strict=True):
                if not value or _stored(value) is not None:
                    continue  # empty, or E.164 already
                e164 = phone_or_none(value)
                if e164 is None:
                    counts["unreadable"] += 1
                else:
                    changed[field].append(model(pk=pk, **{field: e164}))
                    rows_changed.add(pk)
        for field, instances in changed.items():
            if instances:
                manager.bulk_update(instances, [field])
        counts["changed"] += len(rows_changed)
        last = rows[-1][0]


# --- fields ----------------------------------------------------------------------------------------------


class PhoneInput(forms.TextInput):
    input_type = "tel"


class PhoneFormField(forms.CharField):
    """A phone input: cleaned to E.164, shown back in the national format; a phone keyboard on mobiles."""

    widget = PhoneInput

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_LENGTH * 2)  # what people type may carry spaces and brackets
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "tel", "autocomplete": "tel"})
        return attrs

    def prepare_value(self, value):
        return phone_display(value) if isinstance(value, str) else value

    def clean(self, value):
        value = super().clean(value)
        return phone_normalise(value) if value else ""


class PhoneSerializerField(serializers.CharField):
    """An API phone: accepted as typed, validated and returned in E.164."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_LENGTH * 2)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not value:
            return ""
        try:
            return phone_normalise(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages, code="phone") from None


class PhoneNumberField(models.CharField):
    """A phone column: E.164 text (services store what ``phone_normalise`` returns); its form field cleans
    whatever is typed into that, so the admin and model forms store the same."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", MAX_LENGTH)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": PhoneFormField, "max_length": MAX_LENGTH * 2, **kwargs})
