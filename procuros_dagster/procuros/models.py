"""Pydantic v2 models of what the Procuros API returns and takes: transactions, pages,
acknowledgements and send outcomes.

A document's ``content`` stays the plain dict the partner sent (or the mapping built): the mapping
checks what it receives and rejects it with a reason, and what we send is checked against the
vendored OpenAPI document (``openapi.validate_document``).

Parsing is lenient (unknown keys ignored — Procuros adds properties without a version bump;
``DateTime`` fields accept date-only values, normalised to midnight Europe/Berlin).  ``to_dict()``
emits camelCase, omits None and writes datetimes as ISO-8601 with offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import Enum
from typing import Annotated, Any, Optional
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_camel

BERLIN = ZoneInfo("Europe/Berlin")


def _parse_datetime(value: Any) -> Any:
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime.combine(value, time(0), BERLIN)
    elif isinstance(value, str):
        text = value.strip()
        if len(text) == 10:  # bare YYYY-MM-DD as Procuros itself sends it (§13.6)
            return datetime.combine(date.fromisoformat(text), time(0), BERLIN)
        dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    else:
        return value
    # naive values are Berlin local time (Procuros' documented zone)
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=BERLIN)


def _dump_datetime(value: datetime) -> str:
    return value.isoformat(timespec="seconds") if value.microsecond == 0 else value.isoformat()


DateTimeField = Annotated[datetime, BeforeValidator(_parse_datetime), PlainSerializer(_dump_datetime, return_type=str)]

Opt = Optional


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


# --- transactions / API results ---------------------------------------------------------

class ReceivedTransaction(_Model):
    procuros_transaction_id: str
    type: str
    content: Any  # what the partner sent: checked by the mapping, which rejects it with a reason
    is_latest_version: bool = True
    replaces_procuros_transaction_id: Opt[str] = None
    replaced_by_procuros_transaction_id: Opt[str] = None

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if self.content is not None:  # as received: the JSON round trip would turn NaN into null
            out["content"] = self.content
        return out


class Transaction(ReceivedTransaction):
    status: str
    flow: str
    created_at: DateTimeField


@dataclass
class UnreadableTransaction:
    """A queue item that does not even have the shape of a transaction (no id, a type that is not a
    string, ...). It is landed as it came and handed on, so that one bad item cannot stop the rest:
    the mapping rejects it, and acknowledges it when it has an id to acknowledge."""

    raw: Any
    problem: str
    is_latest_version: bool = True
    flow: str = "LIVE"

    @property
    def procuros_transaction_id(self) -> str | None:
        tid = self.raw.get("procurosTransactionId") if isinstance(self.raw, dict) else None
        return tid if isinstance(tid, str) else None

    @property
    def type(self) -> Any:
        return self.raw.get("type") if isinstance(self.raw, dict) else None

    @property
    def content(self) -> Any:
        return self.raw.get("content") if isinstance(self.raw, dict) else None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.raw) if isinstance(self.raw, dict) else {"raw": self.raw}


class Page(_Model):
    items: list[Any]
    has_more: bool
    per_page: Opt[int] = None
    count: Opt[int] = None
    next_cursor: Opt[str] = None
    next_page_url: Opt[str] = None


class Acknowledgement(_Model):
    procuros_transaction_id: str
    success: bool
    error_type: Opt[str] = None  # DATA | INTERNAL
    error_reason: Opt[str] = None
    error_context: Opt[dict[str, str]] = None


class AckResult(_Model):
    procuros_transaction_id: str
    message: str
    error_url: Opt[str] = None


class SendStatus(str, Enum):
    TRANSMITTED = "TRANSMITTED"        # 201: accepted and forwarded
    NO_ACTION = "NO_ACTION"            # 202: accepted, not forwarded
    ALREADY_RECEIVED = "ALREADY_RECEIVED"  # 400 "Payload already received"
    INVALID = "INVALID"                # 422: needs a data fix


class SendOutcome(_Model):
    status: SendStatus
    http_status: int
    transaction_id: Opt[str] = None
    message: Opt[str] = None
    error_url: Opt[str] = None
    errors: dict[str, list[str]] = Field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return self.status is not SendStatus.INVALID
