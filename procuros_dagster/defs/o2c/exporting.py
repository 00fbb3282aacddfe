"""Sending Odoo documents to Procuros: the one sequence every outbound movement shares.

    select eligible records → build → validate against the Procuros schema → send →
    bind in Odoo → log on the record's chatter

Sent once: a record is eligible until it is bound. Bindings are written every BIND_EVERY sends and
whenever a send fails, so a run that dies part-way leaves at most a few sent-but-unbound records;
the next run sends their identical payloads again and Procuros answers 400 "Payload already
received" — that counts as sent. A 422 and a document we
cannot build are reported to Procuros (`POST /v2/errors`) once per record and reason, leave the
record eligible for the next run, and show up in the asset check.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Callable

import pandas as pd

from procuros_dagster.defs.o2c.order_lookups import m2o_id
from procuros_dagster.mapping.outbound import BuildFailure, ExportContext, OutboundBatch, OutboundDocument
from procuros_dagster.procuros.errors import ProcurosNotFound, ProcurosValidationError
from procuros_dagster.procuros.models import SendStatus
from procuros_dagster.procuros.openapi import validate_document
from procuros_dagster.settings import Settings

RESULT_COLUMNS = ["record_id", "document", "status", "transaction_id", "error", "error_url"]
SENT = {SendStatus.TRANSMITTED, SendStatus.NO_ACTION, SendStatus.ALREADY_RECEIVED}
# Bindings are written every BIND_EVERY sends (two Odoo calls each time): a crash can expose at
# most this many sent-but-unbound documents, which Procuros then answers as already received.
BIND_EVERY = 100


@dataclass(frozen=True)
class ExportSpec:
    """One outbound document movement, e.g. validated deliveries → SHIPPING_NOTICE."""

    name: str  # asset/job stem, e.g. "shipping_notices"
    transaction_type: str
    odoo_model: str
    label: str  # what a person calls the Odoo record: "delivery", "invoice"
    fetch: Callable[..., dict]  # (gateway, *, day=None, record_ids=None, tz, retry_ids=()) -> bundle
    build: Callable[[dict, ExportContext], OutboundBatch]


@dataclass
class ExportReport:
    batch: OutboundBatch
    rows: list[dict] = field(default_factory=list)

    @property
    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=RESULT_COLUMNS)

    @property
    def failed(self) -> pd.DataFrame:
        frame = self.frame
        return frame[frame["status"].isin(["INVALID", "NOT_BUILT"])]

    def count(self, *statuses: str) -> int:
        return sum(1 for r in self.rows if r["status"] in statuses)


def export_context(gateway, settings: Settings, own_gln: str) -> ExportContext:
    """Our own party and the unit codes: three reads, whatever the batch size."""
    domain = [("id", "=", gateway.resolve("res.company", [settings.company])[settings.company])] if settings.company else []
    company = gateway.search_read("res.company", domain, ["name", "partner_id", "currency_id"], order="sequence, id", limit=1)[0]
    # The address lives on the company's partner (res.company's address fields are related to it).
    [partner] = gateway.read(
        "res.partner", [m2o_id(company["partner_id"])], ["name", "street", "street2", "zip", "city", "country_code", "vat"]
    )
    uoms = gateway.uoms()
    codes: dict[int, str] = {u["id"]: u["x_procuros_unit_code"] for u in uoms if u.get("x_procuros_unit_code")}
    if settings.uom_codes:
        resolved = gateway.resolve("uom.uom", list(settings.uom_codes))
        codes.update({resolved[ref]: code for ref, code in settings.uom_codes.items()})
    return ExportContext(
        own_gln=own_gln,
        company={**partner, "name": partner["name"] or company["name"], "currency_id": company.get("currency_id")},
        integration_name=settings.integration_name,
        uom_codes=codes,
        uom_factors={u["id"]: float(u["factor"]) for u in uoms if u.get("factor")},
        timezone=settings.schedules.timezone,
    )


def _failed_earlier(spec: ExportSpec, gateway) -> list[int]:
    """Records with a failure marker (see _report_failures_once); bound ones drop out later."""
    markers = gateway.search_read(
        "ir.model.data",
        [("module", "=", "procuros"), ("model", "=", spec.odoo_model), ("name", "=like", f"reported_{spec.name}_%")],
        ["res_id"],
    )
    return sorted({m["res_id"] for m in markers})


def _error_marker(failure_key: str, reason: str) -> str:
    digest = hashlib.sha1(reason.encode("utf-8")).hexdigest()[:12]
    return f"reported_{failure_key}_{digest}"


def _schema_failures(batch: OutboundBatch) -> tuple[list[OutboundDocument], list[BuildFailure]]:
    """Never send what Procuros would refuse: validate each payload against the OpenAPI schema."""
    valid, failures = [], []
    for doc in batch.documents:
        problems = validate_document(doc.transaction_type, doc.content)
        if problems:
            failures.append(
                BuildFailure(
                    doc.model,
                    doc.record_id,
                    doc.record_name,
                    doc.transaction_type,
                    "The document does not match the Procuros schema: " + "; ".join(problems[:5]),
                )
            )
        else:
            valid.append(doc)
    return valid, failures


def run_export(
    spec: ExportSpec,
    gateway,
    client,
    ctx: ExportContext,
    *,
    day: date | None = None,
    record_ids: list[int] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
) -> ExportReport:
    # Records that failed before (reported, still unbound) are retried by every run, whatever
    # their own day: a delivery fixed in Odoo a week later is sent by today's run.
    retry_ids = _failed_earlier(spec, gateway) if record_ids is None else []
    bundle = spec.fetch(gateway, day=day, record_ids=record_ids, tz=ctx.timezone, retry_ids=retry_ids)
    batch = spec.build(bundle, ctx)
    documents, schema_failures = _schema_failures(batch)
    report = ExportReport(batch=batch)
    to_report: list[BuildFailure] = []

    for failure in [*batch.failures, *schema_failures]:
        report.rows.append(
            {"record_id": failure.record_id, "document": failure.record_name, "status": "NOT_BUILT", "transaction_id": None, "error": failure.reason, "error_url": None}
        )
        to_report.append(failure)

    stamp = now().strftime("%Y-%m-%d %H:%M UTC")
    unbound: list[tuple[OutboundDocument, str | None, SendStatus]] = []
    refused: list[BuildFailure] = []  # Procuros has these already (the send's errorUrl): chatter only
    try:
        for doc in documents:
            try:
                outcome = client.send(doc.transaction_type, doc.content)
            except (ProcurosValidationError, ProcurosNotFound) as exc:
                # this document's fault (a 400 that is not "already received", a 404): report it and
                # go on; a refused token (401/403) or Procuros down stops the run (raised)
                reason = f"Procuros refused {spec.label} {doc.record_name} (HTTP {exc.status}): {exc.message}"
                report.rows.append(
                    {"record_id": doc.record_id, "document": doc.record_name, "status": "INVALID", "transaction_id": None, "error": reason, "error_url": exc.error_url}
                )
                refused.append(BuildFailure(doc.model, doc.record_id, doc.record_name, doc.transaction_type, reason))
                continue
            if outcome.status in SENT:
                unbound.append((doc, outcome.transaction_id, outcome.status))
                report.rows.append(
                    {"record_id": doc.record_id, "document": doc.record_name, "status": outcome.status.value, "transaction_id": outcome.transaction_id, "error": None, "error_url": None}
                )
                if len(unbound) >= BIND_EVERY:
                    _bind(spec, gateway, unbound, stamp)
            else:
                detail = "; ".join(f"{path}: {', '.join(msgs)}" for path, msgs in sorted(outcome.errors.items()))
                reason = f"Procuros refused {spec.label} {doc.record_name}: {outcome.message or 'invalid'}" + (f" ({detail})" if detail else "")
                report.rows.append(
                    {"record_id": doc.record_id, "document": doc.record_name, "status": "INVALID", "transaction_id": None, "error": reason, "error_url": outcome.error_url}
                )
                refused.append(BuildFailure(doc.model, doc.record_id, doc.record_name, doc.transaction_type, reason))
    finally:
        # Whatever was sent is bound, even when a later send fails (Procuros down, a crash of the
        # client): the next run must not send those documents a second time.
        _bind(spec, gateway, unbound, stamp)

    _report_failures_once(spec, gateway, client, to_report, report, tell_procuros=True)
    _report_failures_once(spec, gateway, client, refused, report, tell_procuros=False)
    return report


def _bind(spec: ExportSpec, gateway, unbound: list, stamp: str) -> None:
    """Bind sent documents in Odoo and log them on their records' chatter; empties ``unbound``."""
    if not unbound:
        return
    gateway.create_bindings([(doc.binding_name, doc.model, doc.record_id) for doc, _, _ in unbound])
    gateway.post_messages(
        spec.odoo_model,
        [
            (
                doc.record_id,
                "<p>Sent to Procuros as {} on {}: {}.</p>".format(
                    doc.transaction_type,
                    stamp,
                    f"transaction <b>{html.escape(tid)}</b>"
                    if tid
                    else ("already received by Procuros earlier" if status is SendStatus.ALREADY_RECEIVED else "accepted, not forwarded"),
                ),
            )
            for doc, tid, status in unbound
        ],
    )
    unbound.clear()


def _report_failures_once(spec: ExportSpec, gateway, client, failures: list[BuildFailure], report: ExportReport,
                          *, tell_procuros: bool) -> None:
    """Report each (record, reason) on the record's chatter once, not on every run — and to
    Procuros (POST /v2/errors, as our own, INTERNAL failure) when it never saw the document: one it
    refused on sending is already listed there, with the errorUrl of that answer.

    The marker is an ir.model.data entry next to the bindings, so "already reported" survives
    a lost Dagster instance just like "already sent" does.
    """
    if not failures:
        return
    markers = {_error_marker(f"{spec.name}_{f.record_id}", f.reason): f for f in failures}
    already = gateway.find_bindings(list(markers))
    fresh = {m: f for m, f in markers.items() if m not in already}
    if not fresh:
        return
    urls = {
        f.record_id: client.report_error(
            f.reason[:1000],
            "INTERNAL",
            transaction_identifier=f.record_name,
            transaction_type=f.transaction_type,
            error_context={"odooModel": f.model, "odooId": str(f.record_id)},
        )
        for f in fresh.values()
    } if tell_procuros else {}
    for row in report.rows:
        if row["record_id"] in urls and not row["error_url"]:
            row["error_url"] = urls[row["record_id"]]
    gateway.post_messages(
        spec.odoo_model,
        [(f.record_id, f"<p>Not sent to Procuros: {html.escape(f.reason)}</p>") for f in fresh.values()],
    )
    gateway.create_bindings([(marker, f.model, f.record_id) for marker, f in fresh.items()])
