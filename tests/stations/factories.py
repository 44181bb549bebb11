"""Stations test helpers; other areas import ``certified_technician`` to get an assignable technician."""

import datetime

import factory
from dateutil.relativedelta import relativedelta

from repairnet import roles
from stations.models import Certificate, CertificateKind
from tests import clock
from tests.factories import StationFactory, make_user  # noqa: F401 - re-exported for convenience


class CertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certificate

    number = factory.Sequence(lambda n: f"JS-T{n:06d}")
    user = factory.LazyFunction(lambda: make_user(roles.TECHNICIAN))
    kind = CertificateKind.REPAIR_TECHNICIAN
    issued_on = factory.LazyFunction(lambda: clock.today() - datetime.timedelta(days=30))
    expires_on = factory.LazyAttribute(lambda o: o.issued_on + relativedelta(years=2))
    status = Certificate.Status.VALID


def certified_technician(station=None, **user_kwargs):
    """A station technician (repairnet.User) holding a valid repair-technician certificate."""
    station = station or StationFactory()
    user = make_user(roles.TECHNICIAN, station, **user_kwargs)
    CertificateFactory(user=user)
    return user
