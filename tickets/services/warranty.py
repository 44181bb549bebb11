"""Warranty (三包): serial numbers, manufacture dates and the in-warranty decision."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from repairnet.services import ensure

from ..models import (
    Device,
    DeviceModel,
)

# --- warranty (三包) ----------------------------------------------------------------------------


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def serial_validate(*, device_model: DeviceModel, serial: str) -> str:
    serial = (serial or "").strip().upper()
    ensure(bool(serial), _("Enter the serial number."), "serial_required")
    if device_model.serial_regex and not re.fullmatch(device_model.serial_regex, serial):
        raise ValidationError(
            {
                "serial": _("The serial number %(serial)s does not match the format of model %(model)s.")
                % {"serial": serial, "model": device_model.code}
            }
        )
    match = re.fullmatch(device_model.serial_regex or "", serial)
    if match and {"yy", "mm"} <= set(match.groupdict()):
        made = manufacture_date_from_serial(device_model=device_model, serial=serial)
        if made is None:
            raise ValidationError(
                {"serial": _("The serial number %(serial)s holds no real manufacture month.") % {"serial": serial}}
            )
        if made > timezone.localdate():
            raise ValidationError(
                {
                    "serial": _("The serial number %(serial)s gives a manufacture month in the future (%(month)s).")
                    % {"serial": serial, "month": made.strftime("%Y-%m")}
                }
            )
    return serial


def manufacture_date_from_serial(*, device_model: DeviceModel, serial: str) -> datetime.date | None:
    match = re.fullmatch(device_model.serial_regex or "", serial or "")
    if not match or "yy" not in match.groupdict() or "mm" not in match.groupdict():
        return None
    try:
        return datetime.date(2000 + int(match["yy"]), int(match["mm"]), 1)
    except ValueError:
        return None


def warranty_decide(*, device: Device, on: datetime.date | None = None) -> tuple[bool, str]:
    """SPEC 2.2: invoice date, else manufacture date from the serial + grace months; model's warranty months."""
    on = on or timezone.localdate()
    model = device.model
    if device.has_invoice and device.purchase_date:
        start = device.purchase_date
        basis = _("invoice dated %(date)s") % {"date": start.isoformat()}
    else:
        made = manufacture_date_from_serial(device_model=model, serial=device.serial)
        if made is None:
            return False, _("Out of warranty: no invoice and no manufacture date in the serial number")
        start = _add_months(made, model.manufacture_grace_months)
        basis = _("no invoice: made %(made)s (from serial) + %(months)s months = %(date)s") % {
            "made": made.strftime("%Y-%m"),
            "months": model.manufacture_grace_months,
            "date": start.isoformat(),
        }
    end = _add_months(start, model.warranty_months)
    if on <= end:
        return True, _("In warranty until %(end)s (%(basis)s, %(months)s months)") % {
            "end": end.isoformat(),
            "basis": basis,
            "months": model.warranty_months,
        }
    return False, _("Out of warranty since %(end)s (%(basis)s, %(months)s months)") % {
        "end": end.isoformat(),
        "basis": basis,
        "months": model.warranty_months,
    }
