"""Schemathesis against the Procuros sandbox: every operation of the vendored OpenAPI document,
a bounded, derandomized number of generated requests each, checked for server errors and for
status codes, content types and bodies the document does not declare."""

from __future__ import annotations

import copy

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from procuros_dagster.procuros import openapi
from procuros_dagster.sandbox.procuros import ProcurosSandbox

from .conftest import BUYER_GLN, OWN_GLN, TOKEN, content

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          unsupported_method]  # methods the document does not list: 405 with Allow
CONFIG = schemathesis.Config.from_dict({
    "seed": 20261201,
    "generation": {"deterministic": True, "max-examples": 25, "database": "none"},
    # stateful needs links the document does not declare
    "phases": {"stateful": {"enabled": False}},
    "operations": [{
        # the send body is the whole document schema (12 transaction types): its coverage phase
        # enumerates for many minutes and each generated document takes ~1 s, so a few fuzzed ones
        "include-name": "POST /v2/transactions",
        "phases": {"coverage": {"enabled": False}},
        "generation": {"max-examples": 8},
    }],
})


def _document() -> dict:
    # The one reading of the document the project needs everywhere (see openapi._registry): the
    # ``oneOf`` of TransactionContent cannot hold for any real document (every Invoice is also a
    # valid Order, OrderItem requiring nothing), Procuros selects the content schema by ``type``.
    doc = copy.deepcopy(openapi.spec())
    content_schema = doc["components"]["schemas"]["TransactionContent"]
    content_schema["anyOf"] = content_schema.pop("oneOf")
    return doc


schema = schemathesis.openapi.from_dict(_document(), config=CONFIG)


@pytest.fixture(scope="module")
def api():
    sb = ProcurosSandbox(TOKEN, OWN_GLN, known_parties={BUYER_GLN}, self_check=True)
    sb.start()
    # something to list and show, so the 200 bodies carry real items
    for name in ("order", "order", "order_response"):
        sb.enqueue(name.upper(), content(name))
    yield sb
    sb.stop()  # raises if the sandbox's own contract check saw a violation


@schema.parametrize()
# generation speed depends on the machine's load, not on the sandbox: never a reason to fail
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
def test_sandbox_conforms_to_the_openapi_document(case, api):
    case.call_and_validate(base_url=api.url, headers={"Authorization": f"Bearer {TOKEN}"}, checks=CHECKS)
