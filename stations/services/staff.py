"""Station staff: adding and updating people and their logins."""

import datetime

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _

from repairnet import roles
from repairnet.models import User
from repairnet.phones import phone_normalise_optional
from repairnet.services import audit_record, ensure

from .. import selectors
from ..models import (
    Position,
    StaffProfile,
    Station,
)
from .state import station_staffing_refresh

# --- staff ----------------------------------------------------------------------------------------

POSITION_ROLE = {
    Position.COORDINATOR: roles.COORDINATOR,
    Position.SERVICE_CLERK: roles.TECHNICIAN,
    Position.REPAIR_TECHNICIAN: roles.TECHNICIAN,
}


@transaction.atomic
def staff_add(
    *,
    station: Station,
    actor,
    username: str,
    last_name: str,
    first_name: str,
    position: str,
    phone: str = "",
    id_number: str = "",
    email: str = "",
    password: str = "",
    joined_on: datetime.date | None = None,
) -> User:
    """Add a person to a station: a login of the station's role plus a staff profile with the position."""
    roles.require(actor, "stations.staff.manage", station)
    username = (username or "").strip()
    ensure(bool(username), _("Please give a username."))
    ensure(not User.objects.filter(username__iexact=username).exists(), _("This username is already taken."))
    ensure(position in Position.values, _("Unknown position."))
    phone = phone_normalise_optional(phone, field="phone")
    user = User(
        username=username,
        last_name=last_name.strip(),
        first_name=first_name.strip(),
        phone=phone,
        email=User.objects.normalize_email((email or "").strip()),
        station=station,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get(name=POSITION_ROLE[position]))
    StaffProfile.objects.create(
        user=user, position=position, id_number=id_number, joined_on=joined_on or selectors.today()
    )
    audit_record(obj=station, verb="staff_added", actor=actor, data={"user": user.pk, "position": position})
    return user


@transaction.atomic
def staff_update(
    *,
    user: User,
    actor,
    last_name: str,
    first_name: str,
    phone: str,
    position: str,
    id_number: str = "",
    active: bool = True,
    email: str | None = None,
) -> User:
    """Update a person's details (``email`` None: unchanged). Deactivating ends their sessions and API tokens."""
    user = User.objects.select_for_update().get(pk=user.pk)
    roles.require(actor, "stations.staff.manage", user.station)
    ensure(user.station_id is not None, _("This person does not belong to a station."))
    ensure(position in Position.values, _("Unknown position."))
    phone = phone_normalise_optional(phone, field="phone")
    user.last_name, user.first_name, user.phone = last_name.strip(), first_name.strip(), phone
    if email is not None:
        user.email = User.objects.normalize_email(email.strip())
    was_active, user.is_active = user.is_active, active
    user.save(update_fields=["last_name", "first_name", "phone", "email", "is_active"])
    profile, _created = StaffProfile.objects.get_or_create(user=user, defaults={"position": position})
    profile.position, profile.id_number = position, id_number
    if was_active and not active:
        profile.left_on = selectors.today()
    elif active:
        profile.left_on = None
    profile.save()
    user.groups.remove(*Group.objects.filter(name__in=[roles.COORDINATOR, roles.TECHNICIAN]))
    user.groups.add(Group.objects.get(name=POSITION_ROLE[position]))
    audit_record(obj=user.station, verb="staff_updated", actor=actor, data={"user": user.pk, "active": active})
    station_staffing_refresh(station=user.station)
    return user
