"""The vendored Procuros OpenAPI v2 document and jsonschema validators built from it.

OAS 3.0 schemas are not JSON Schema: ``nullable: true`` is translated into a type union (or an
``anyOf`` with null for ``$ref``/enum schemas) before validation.  ``default: null`` on
non-nullable properties is harmless because jsonschema never validates defaults.

Two flavours exist (API-NOTES §13.6):
* strict (default) — ``DateTime`` must be a full RFC 3339 date-time with an offset.  Used for
  everything *we* send, and by the sandbox's 422 check on incoming sends.
* lenient — ``DateTime`` also accepts a bare ``YYYY-MM-DD`` as Procuros itself sends it.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any, Callable, Iterable

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_URI = "urn:procuros:openapi-v2"
_DATE_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

DOCUMENT_SCHEMAS = {
    "ORDER": "SentOrderTransaction",
    "ORDER_RESPONSE": "SentOrderResponseTransaction",
    "SHIPPING_NOTICE": "SentShippingNoticeTransaction",
    "INVOICE": "SentInvoiceTransaction",
    "CREDIT_NOTE": "SentCreditNoteTransaction",
    "DISPATCH_INSTRUCTION": "SentDispatchInstructionTransaction",
    "DISPATCH_INSTRUCTION_RESPONSE": "SentDispatchInstructionResponseTransaction",
    "RECEIVAL_NOTICE": "SentReceivalNoticeTransaction",
    "REMITTANCE_ADVICE": "SentRemittanceAdviceTransaction",
    "PRODUCT_CATALOG": "SentProductCatalogTransaction",
    "INVENTORY_REPORT": "SentInventoryReportTransaction",
    "SALES_REPORT": "SentSalesReportTransaction",
}


@lru_cache(maxsize=1)
def spec() -> dict[str, Any]:
    """The vendored document (trimmed of prose), loaded once."""
    text = resources.files(__package__).joinpath("openapi-v2.json").read_text(encoding="utf-8")
    return json.loads(text)


# --- OAS 3.0 -> JSON Schema -------------------------------------------------------------

def _to_json_schema(node: Any, *, in_props: bool = False) -> Any:
    if isinstance(node, list):
        return [_to_json_schema(x) for x in node]
    if not isinstance(node, dict):
        return node
    if in_props:  # keys are property names
        return {k: _to_json_schema(v) for k, v in node.items()}
    out = {k: _to_json_schema(v, in_props=(k == "properties")) for k, v in node.items()
           if k not in ("nullable", "discriminator", "default")}
    if node.get("nullable") is True:
        t = out.get("type")
        if isinstance(t, str) and "enum" not in out:
            out["type"] = [t, "null"]
        else:
            return {"anyOf": [out, {"type": "null"}]}
    return out


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str) or not _DATE_TIME_RE.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_date(value: object) -> bool:
    if not isinstance(value, str) or not _DATE_RE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _format_checker() -> FormatChecker:
    fc = FormatChecker(formats=())
    fc.checks("date-time")(lambda v: not isinstance(v, str) or _is_date_time(v))
    fc.checks("date")(lambda v: not isinstance(v, str) or _is_date(v))
    fc.checks("uuid")(lambda v: not isinstance(v, str) or _is_uuid(v))
    fc.checks("email")(lambda v: not isinstance(v, str) or ("@" in v and not v.startswith("@")))
    fc.checks("uri")(lambda v: not isinstance(v, str) or bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", v)))
    return fc


@lru_cache(maxsize=2)
def _registry(strict: bool) -> Registry:
    doc = _to_json_schema(copy.deepcopy(spec()))
    schemas = doc["components"]["schemas"]
    # TransactionContent is a oneOf that can never be unambiguous (an Invoice is also a valid
    # Order: OrderItem has no required keys); Procuros selects the content schema by the sibling
    # ``type``.  Validate it that way: anyOf for the bare content, type-driven if/then on the
    # transaction objects that carry ``type`` next to ``content``.
    schemas["TransactionContent"] = {"anyOf": schemas["TransactionContent"]["oneOf"]}
    by_type = [{"if": {"properties": {"type": {"const": t}}, "required": ["type"]},
                "then": {"properties": {"content": schemas[s]["properties"]["content"]}}}
               for t, s in DOCUMENT_SCHEMAS.items()]
    for name in ("ReceivedTransaction", "Transaction"):
        schemas[name]["properties"]["content"] = {"type": "object"}
        schemas[name]["allOf"] = by_type
    if not strict:
        doc["components"]["schemas"]["DateTime"] = {
            "type": "string",
            "anyOf": [{"format": "date-time"}, {"format": "date"}],
        }
    return Registry().with_resource(SPEC_URI, Resource(contents=doc, specification=DRAFT202012))


@lru_cache(maxsize=256)
def _validator(pointer: str, strict: bool) -> Draft202012Validator:
    return Draft202012Validator(
        {"$ref": f"{SPEC_URI}#{pointer}"}, registry=_registry(strict), format_checker=_format_checker()
    )


def _pointer_escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _json_path(parts: Iterable[Any]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "$"


def _best_errors(validator: Draft202012Validator, instance: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for err in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))):
        # for oneOf/anyOf failures descend to the most specific cause
        leaf = err
        while leaf.context:
            leaf = min(leaf.context, key=lambda e: (-len(e.absolute_path), len(e.message)))
        message = leaf.message if len(leaf.message) <= 300 else leaf.message[:297] + "..."
        errors.setdefault(_json_path(leaf.absolute_path), []).append(message)
    return errors


def _flatten(errors: dict[str, list[str]]) -> list[str]:
    return [f"{path}: {msg}" for path, msgs in errors.items() for msg in msgs]


# a JSON pointer into the spec -> the validator of the schema there (strict, lenient, the sandbox's)
ValidatorAt = Callable[[str], Draft202012Validator]


def _validator_at(strict: bool) -> ValidatorAt:
    return lambda pointer: _validator(pointer, strict)


def _document_errors(validator_at: ValidatorAt, transaction_type: str, content: Any) -> dict[str, list[str]]:
    schema = DOCUMENT_SCHEMAS.get(transaction_type)
    if schema is None:
        return {"type": [f'Transaction type "{transaction_type}" is not valid']}
    return _best_errors(validator_at(f"/components/schemas/{schema}"), {"type": transaction_type, "content": content})


def document_errors(transaction_type: str, content: Any, *, strict: bool = True) -> dict[str, list[str]]:
    """Errors of ``{"type", "content"}`` against the SentTransaction variant for that type."""
    return _document_errors(_validator_at(strict), transaction_type, content)


def validate_document(transaction_type: str, content: Any, *, strict: bool = True) -> list[str]:
    """Readable messages (``content.header.orderDate: ...``); empty when the document is valid."""
    return _flatten(document_errors(transaction_type, content, strict=strict))


# --- rules the document states in its descriptions ----------------------------------------

def described_errors(transaction_type: str, content: Any) -> dict[str, list[str]]:
    """What the schema's keywords cannot say but its descriptions do. ORDER_RESPONSE: items and the
    header's confirmedDeliveryDate and requestedDeliveryDate are "required when type is CHANGE" and
    "prohibited when type is REJECT or when type is omitted/null (both treated as a full
    rejection)" (OrderResponse.items, OrderResponseHeader). Messages as the API's validator words them."""
    if transaction_type != "ORDER_RESPONSE" or not isinstance(content, dict):
        return {}
    header = content.get("header") if isinstance(content.get("header"), dict) else {}
    kind = header.get("type")
    errors: dict[str, list[str]] = {}
    fields = {"content.items": "items" in content,
              "content.header.confirmedDeliveryDate": header.get("confirmedDeliveryDate") is not None,
              "content.header.requestedDeliveryDate": header.get("requestedDeliveryDate") is not None}
    for path, present in fields.items():
        if kind == "CHANGE" and not present:
            errors[path] = [f"The {path} field is required when content.header.type is CHANGE."]
        elif kind in ("REJECT", None) and present:
            errors[path] = [f"The {path} field is prohibited when content.header.type is {kind or 'empty'}."]
    return errors


# --- request / response contract checks ------------------------------------------------

def _operation(method: str, path_template: str) -> tuple[str, dict[str, Any]]:
    paths = spec()["paths"]
    if path_template not in paths or method.lower() not in paths[path_template]:
        raise KeyError(f"{method.upper()} {path_template} is not in the Procuros spec")
    return f"/paths/{_pointer_escape(path_template)}/{method.lower()}", paths[path_template][method.lower()]


def _coerce_query(value: Any, schema: dict[str, Any]) -> Any:
    if schema.get("type") == "integer" and isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return value
    return value


def validate_request(method: str, path_template: str, body: Any = None, *,
                     params: dict[str, Any] | None = None, strict: bool = True) -> list[str]:
    """Check a request body (and optionally query params) against the operation in the spec."""
    pointer, op = _operation(method, path_template)
    problems: list[str] = []
    declared = {p["name"]: i for i, p in enumerate(op.get("parameters", [])) if p.get("in") == "query"}
    for name, value in (params or {}).items():
        if name not in declared:
            problems.append(f"query {name}: not a declared parameter")
            continue
        sub = f"{pointer}/parameters/{declared[name]}/schema"
        schema = op["parameters"][declared[name]]["schema"]
        for path, msgs in _best_errors(_validator(sub, strict), _coerce_query(value, schema)).items():
            problems += [f"query {name}: {m}" for m in msgs]
    rb = op.get("requestBody")
    if rb is None:
        if body is not None:
            problems.append("body: operation takes no request body")
        return problems
    if body is None:
        return problems + (["body: required"] if rb.get("required") else [])
    problems += _flatten(_best_errors(_validator(f"{pointer}/requestBody/content/application~1json/schema", strict), body))
    return problems


def validate_response(method: str, path_template: str, status: int, body: Any = None, *,
                      strict: bool = True) -> list[str]:
    """Check a response status/body against the operation's declared responses."""
    return _response_problems(_validator_at(strict), method, path_template, status, body)


def _response_problems(validator_at: ValidatorAt, method: str, path_template: str, status: int,
                       body: Any) -> list[str]:
    pointer, op = _operation(method, path_template)
    responses = op["responses"]
    key = next((k for k in (str(status), f"{str(status)[0]}XX", "default") if k in responses), None)
    if key is None:
        return [f"status {status} is not declared for {method.upper()} {path_template}"]
    content = responses[key].get("content")
    if not content:
        return [] if body in (None, b"", "") else [f"status {status} must have no body"]
    if "application/json" not in content:
        return []
    return _flatten(_best_errors(validator_at(f"{pointer}/responses/{key}/content/application~1json/schema"), body))
