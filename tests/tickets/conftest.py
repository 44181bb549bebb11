import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Assert on the English source messages (the UI default is zh-hans)."""
    with translation.override("en"):
        yield
