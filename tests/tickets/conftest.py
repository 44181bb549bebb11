import pytest
from django.utils import translation

from repairnet import roles
from tests.factories import make_user

from .factories import certified_technician


@pytest.fixture(autouse=True)
def _english():
    """Assert on the English source messages (the UI default is zh-hans)."""
    with translation.override("en"):
        yield


@pytest.fixture
def agent():
    """A hotline agent (a module may override it, e.g. with an API client)."""
    return make_user(roles.HOTLINE)


@pytest.fixture
def tech(station):
    """A technician certified at ``station``."""
    return certified_technician(station)
