import pytest
from django.utils import translation

from repairnet import roles
from tests.factories import make_user


@pytest.fixture(autouse=True)
def _english():
    """Service messages are compared in English in these tests (pages default to Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def hq(db):
    """An HQ user."""
    return make_user(roles.HQ)
