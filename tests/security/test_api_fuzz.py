"""Schemathesis fuzzes every operation of /api/schema/ as an HQ user and as a station user.

Bounded examples per operation; the property: no 5xx, and every 4xx carries a JSON ``detail`` message.
"""

import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings

from repairnet import roles
from repairnet.wsgi import application
from tests.factories import api_token, make_user

pytestmark = pytest.mark.slow
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "8"))


@pytest.fixture
def api_schema():
    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))
    loaded.app = application
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def _one_connection():
    """Schemathesis calls the WSGI app directly, which closes the database connection around every call
    (CONN_MAX_AGE=0): a new PostgreSQL connection per call was most of the fuzzing's time. Django's own test
    client keeps the connection the same way."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def tokens(transactional_db):
    hq = make_user(roles.HQ)
    technician = make_user(roles.COORDINATOR)
    return [api_token(hq), api_token(technician)]


# One test per group of areas, so the parallel workers share the fuzzing; the last group is everything
# the others leave, so a new endpoint is always fuzzed.
SPARES = r"^/api/v1/spares/"
MONEY_AND_INSPECTIONS = r"^/api/v1/(settlement|inspections|rectifications)/"
TICKETS = r"^/api/v1/(tickets|complaints|callbacks|daily-reports|customers|devices)/"
fuzz_settings = settings(
    max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)
transactional = pytest.mark.django_db(transaction=True)  # on PostgreSQL a failed request must not poison the next


def never_a_server_error(case, tokens) -> None:
    for token in tokens:
        response = case.call(headers={"Authorization": f"Token {token}"})
        assert response.status_code < 500, f"{case.method} {case.formatted_path} → {response.status_code}"
        if 400 <= response.status_code < 500 and response.headers.get("Content-Type", "").startswith(
            "application/json"
        ):
            body = response.json()
            assert isinstance(body, dict) and body.get("detail"), body


@schema.include(path_regex=SPARES).parametrize()
@fuzz_settings
@transactional
def test_spares_api_never_fails_with_server_error(case, tokens):
    never_a_server_error(case, tokens)


@schema.include(path_regex=MONEY_AND_INSPECTIONS).parametrize()
@fuzz_settings
@transactional
def test_settlement_and_inspections_api_never_fails_with_server_error(case, tokens):
    never_a_server_error(case, tokens)


@schema.include(path_regex=TICKETS).parametrize()
@fuzz_settings
@transactional
def test_tickets_api_never_fails_with_server_error(case, tokens):
    never_a_server_error(case, tokens)


@schema.exclude(path_regex="|".join([SPARES, MONEY_AND_INSPECTIONS, TICKETS])).parametrize()
@fuzz_settings
@transactional
def test_stations_and_other_api_never_fails_with_server_error(case, tokens):
    never_a_server_error(case, tokens)
