import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Service messages are compared in English in these tests (pages default to Chinese)."""
    with translation.override("en"):
        yield
