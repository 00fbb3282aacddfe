"""The sandbox's reading of the OpenAPI document: what the API itself accepts.

The connector validates what it sends strictly (``openapi`` strict: RFC 3339 with an offset).  The
API is not that strict: its ``DateTime`` schema is ``format: date-time`` plus the pattern
``\\d{4}(.\\d{2}){2}(\\s|T)(\\d{2}.){2}\\d{2}(.\\d{6}(Z?))?``, which admits ``2025-03-10 08:15:00``
and ``2025-03-10T08:15:00.000000Z``, and Procuros' own examples and field descriptions send bare
``YYYY-MM-DD`` (API-NOTES §13.6).  Refusing those would make the sandbox stricter than the API and
hide a connector that cannot read them; accepting more would make it laxer.  So here a DateTime is
valid when it matches the spec's pattern (JSON Schema semantics: unanchored search, ASCII digits)
or is a calendar date in the spec's own ``Date`` form — nothing else.  Everything else is the
vendored document as ``openapi`` translates it.
"""

from __future__ import annotations

import copy
import re
from datetime import date
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from procuros_dagster.procuros import openapi

DATE_TIME_FORMAT = "procuros-date-time"


@lru_cache(maxsize=1)
def _date_time_pattern() -> re.Pattern[str]:
    return re.compile(openapi.spec()["components"]["schemas"]["DateTime"]["pattern"], re.ASCII)


def _date_pattern() -> re.Pattern[str]:
    return re.compile(openapi.spec()["components"]["schemas"]["Date"]["pattern"], re.ASCII)


def is_date_time(value: object) -> bool:
    """What the API accepts for a ``DateTime`` field."""
    if not isinstance(value, str):
        return True  # the type keyword reports non-strings
    if _date_time_pattern().search(value):
        return True
    if _date_pattern().match(value):
        try:
            date.fromisoformat(value)
        except ValueError:
            return False
        return True
    return False


@lru_cache(maxsize=1)
def _registry() -> Registry:
    # start from the translation the connector uses (nullable, type-driven content), swap DateTime
    doc = copy.deepcopy(openapi._registry(True).contents(openapi.SPEC_URI))
    doc["components"]["schemas"]["DateTime"] = {"type": "string", "format": DATE_TIME_FORMAT}
    return Registry().with_resource(openapi.SPEC_URI, Resource(contents=doc, specification=DRAFT202012))


@lru_cache(maxsize=256)
def _validator(pointer: str) -> Draft202012Validator:
    checker = openapi._format_checker()
    checker.checks(DATE_TIME_FORMAT)(is_date_time)
    return Draft202012Validator({"$ref": f"{openapi.SPEC_URI}#{pointer}"}, registry=_registry(),
                                format_checker=checker)


def _errors(pointer: str, instance: Any) -> dict[str, list[str]]:
    return openapi._best_errors(_validator(pointer), instance)


def document_errors(transaction_type: str, content: Any) -> dict[str, list[str]]:
    """Field errors of a sent ``{"type", "content"}`` (``type`` unknown -> the API's message), and the
    rules the document's descriptions state (an ORDER_RESPONSE's items and dates by its type)."""
    errors = openapi._document_errors(_validator, transaction_type, content)
    for path, messages in openapi.described_errors(transaction_type, content).items():
        errors.setdefault(path, []).extend(messages)
    return errors


def body_errors(method: str, template: str, body: Any) -> dict[str, list[str]]:
    """Field errors of a request body; ``{}`` when it conforms (a missing required body included)."""
    pointer, op = openapi._operation(method, template)
    rb = op.get("requestBody")
    if rb is None:
        return {}
    if body is None:
        return {"body": ["The request body is required."]} if rb.get("required") else {}
    return _errors(f"{pointer}/requestBody/content/application~1json/schema", body)


def response_problems(method: str, template: str, status: int, body: Any) -> list[str]:
    """Why a response would not conform to the operation's declared responses (empty: it does)."""
    return openapi._response_problems(_validator, method, template, status, body)
