"""The outbound sequence every sent document takes, driven by its movement's OutboundSpec:

    select eligible records → build → validate against the Procuros schema → send →
    bind in Odoo → log (chatter + Procuros > Logs)

Sent once: a record is eligible until it is bound. Bindings are written every BIND_EVERY sends and
whenever a send fails, so a run that dies part-way leaves at most a few sent-but-unbound records;
the next run sends their identical payloads again and Procuros answers 400 "Payload already
received" — that counts as sent. A 422 and a document we cannot build are logged (and, for one we
could not build, reported to Procuros with `POST /v2/errors`) once per record and reason, leave the
record eligible for the next run, and show up in the asset check.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Sequence

import pandas as pd

from procuros_dagster.mapping.odoo_values import m2o_id
from procuros_dagster.mapping.outbound import BuildFailure, ExportContext, OutboundBatch, OutboundDocument
from procuros_dagster.flows.flow import Flow
from procuros_dagster.odoo.binder import Binder
from procuros_dagster.odoo.exchange_log import ExchangeLog
from procuros_dagster.odoo.outbound_reads import day_domain
from procuros_dagster.odoo.setup import REQUEST_FIELD, REQUEST_MODELS
from procuros_dagster.procuros.errors import ProcurosNotFound, ProcurosValidationError
from procuros_dagster.procuros.models import SendStatus
from procuros_dagster.procuros.openapi import validate_document

if TYPE_CHECKING:  # the settings import the movement registry, which imports this
    from procuros_dagster.settings import Settings

RESULT_COLUMNS = ["record_id", "document", "status", "transaction_id", "error", "error_url"]
SENT = {SendStatus.TRANSMITTED, SendStatus.NO_ACTION, SendStatus.ALREADY_RECEIVED}
# Bindings are written every BIND_EVERY sends (two Odoo calls each time): a crash can expose at
# most this many sent-but-unbound documents, which Procuros then answers as already received.
BIND_EVERY = 100


@dataclass(frozen=True)
class OutboundSpec:
    """How one kind of sent document is read from Odoo and built (see movements.py)."""

    # (gateway, *, day=None, record_ids=None, tz, retry_ids=(), bound=None, scope=()) -> bundle
    fetch: Callable[..., dict]
    build: Callable[[dict, ExportContext], OutboundBatch]
    eligible: Sequence  # the domain of records to send, also watched by the Odoo sensor
    day_field: str  # the record's document date: the partition it belongs to
    partner_field: str  # path to the trading partner whose Procuros Connector decides the integration
    with_totals: bool = False  # amounts to check against Odoo's stored totals
    day_is_datetime: bool = False  # day_field is a datetime (UTC in Odoo), cut in the settings' time zone


def scope_domain(flow: Flow, company_id: int | None) -> list:
    """The integration's records only: its company's, and with several integrations its partners'."""
    domain: list = [("company_id", "=", company_id)] if company_id else []
    if len(flow.settings.integrations) > 1:
        domain.append((f"{flow.spec.partner_field}.x_procuros_connector", "=ilike", flow.integration.connector))
    return domain


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


DAY_COLUMNS = ["record_id", "document", "state", "transaction_id", "attempt", "reason", "logged_at"]


def day_state(flow: Flow, gateway, day: date, company_id: int | None) -> pd.DataFrame:
    """Every eligible record of the day, sent or not, with its latest Logs entry: what the day's
    partition holds, whatever the last run did. Two reads."""
    spec, movement = flow.spec, flow.movement
    domain = [*spec.eligible, *scope_domain(flow, company_id),
              *day_domain(spec.day_field, day, flow.settings.schedules.timezone, is_datetime=spec.day_is_datetime)]
    records = gateway.search_read(movement.odoo_model, domain, ["id", "name"], order="id")
    latest = ExchangeLog(gateway).latest(flow.integration.key, movement.name,
                                         [f"{movement.odoo_model},{r['id']}" for r in records])
    rows = []
    for r in records:
        entry = latest.get(f"{movement.odoo_model},{r['id']}") or {}
        rows.append({"record_id": r["id"], "document": r["name"], "state": entry.get("x_state") or "not sent yet",
                     "transaction_id": entry.get("x_transaction_id") or None, "attempt": entry.get("x_attempt"),
                     "reason": entry.get("x_reason") or None, "logged_at": entry.get("create_date")})
    return pd.DataFrame(rows, columns=DAY_COLUMNS)


def export_context(gateway, settings: Settings, integration, own_gln: str) -> ExportContext:
    """Our own party and the unit codes: three reads, whatever the batch size."""
    company_ref = integration.company
    domain = [("id", "=", gateway.resolve("res.company", [company_ref])[company_ref])] if company_ref else []
    company = gateway.search_read("res.company", domain, ["id", "name", "partner_id", "currency_id"],
                                  order="sequence, id", limit=1)[0]
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
        company={**partner, "name": partner["name"] or company["name"], "currency_id": company.get("currency_id"),
                 "company_id": company["id"] if company_ref else None},
        integration_name=integration.connector,
        uom_codes=codes,
        uom_factors={u["id"]: float(u["factor"]) for u in uoms if u.get("factor")},
        timezone=settings.schedules.timezone,
    )


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
    flow: Flow,
    gateway,
    client,
    ctx: ExportContext,
    *,
    day: date | None = None,
    record_ids: list[int] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
) -> ExportReport:
    movement, spec = flow.movement, flow.spec
    binder, log = flow.binder(gateway), ExchangeLog(gateway)
    # Records that failed before (logged, still unbound) are retried by every run, whatever their
    # own day: a delivery fixed in Odoo a week later is sent by today's run.
    retry_ids = (log.failed_record_ids(flow.integration.key, movement.name, movement.odoo_model)
                 if record_ids is None else [])
    bundle = spec.fetch(gateway, day=day, record_ids=record_ids, tz=ctx.timezone, retry_ids=retry_ids,
                        bound=binder.bound_ids, scope=scope_domain(flow, ctx.company.get("company_id")))
    partners = {r["id"]: m2o_id(r.get("partner_id")) for r in bundle.get(movement.odoo_model, [])}
    # A record of the day that is not on the retry list was never logged (a logged failure puts it
    # there, a logged send binds it): its Logs entry needs no look-up. Named records may have any past.
    retried = None if record_ids is not None else set(retry_ids)
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
    unbound: list[tuple[OutboundDocument, str | None, Any]] = []
    refused: list[tuple[BuildFailure, str | None]] = []  # Procuros has these already (the send's errorUrl)
    try:
        for doc in documents:
            try:
                outcome = client.send(doc.transaction_type, doc.content)
            except (ProcurosValidationError, ProcurosNotFound) as exc:
                # this document's fault (a 400 that is not "already received", a 404): report it and
                # go on; a refused token (401/403) or Procuros down stops the run (raised)
                reason = f"Procuros refused {movement.label} {doc.record_name} (HTTP {exc.status}): {exc.message}"
                report.rows.append(
                    {"record_id": doc.record_id, "document": doc.record_name, "status": "INVALID", "transaction_id": None, "error": reason, "error_url": exc.error_url}
                )
                refused.append((BuildFailure(doc.model, doc.record_id, doc.record_name, doc.transaction_type, reason), exc.error_url))
                continue
            if outcome.status in SENT:
                unbound.append((doc, outcome.transaction_id, outcome.status))
                report.rows.append(
                    {"record_id": doc.record_id, "document": doc.record_name, "status": outcome.status.value, "transaction_id": outcome.transaction_id, "error": None, "error_url": None}
                )
                if len(unbound) >= BIND_EVERY:
                    _bind(flow, binder, log, gateway, unbound, stamp, partners, retried)
            else:
                detail = "; ".join(f"{path}: {', '.join(msgs)}" for path, msgs in sorted(outcome.errors.items()))
                reason = f"Procuros refused {movement.label} {doc.record_name}: {outcome.message or 'invalid'}" + (f" ({detail})" if detail else "")
                report.rows.append(
                    {"record_id": doc.record_id, "document": doc.record_name, "status": "INVALID", "transaction_id": None, "error": reason, "error_url": outcome.error_url}
                )
                refused.append((BuildFailure(doc.model, doc.record_id, doc.record_name, doc.transaction_type, reason), outcome.error_url))
    finally:
        # Whatever was sent is bound, even when a later send fails (Procuros down, a crash of the
        # client): the next run must not send those documents a second time.
        _bind(flow, binder, log, gateway, unbound, stamp, partners, retried)

    _report_failures_once(flow, log, gateway, client, [(f, None) for f in to_report], report, partners,
                          tell_procuros=True)
    _report_failures_once(flow, log, gateway, client, refused, report, partners, tell_procuros=False)
    if record_ids:
        clear_send_requests(gateway, movement.odoo_model, record_ids)
    return report


def clear_send_requests(gateway, model: str, record_ids: list[int]) -> None:
    """The "Send … to Procuros" requests of these records are answered — sent, or why not on the
    chatter and in the Logs: clear the flag. One look-up and one write per batch."""
    if model not in REQUEST_MODELS:
        return
    ids = gateway.search(model, [("id", "in", list(record_ids)), (REQUEST_FIELD, "=", True)])
    if ids:
        gateway.write(model, ids, {REQUEST_FIELD: False})


def _bind(flow: Flow, binder: Binder, log: ExchangeLog, gateway, unbound: list, stamp: str,
          partners: dict, retried: set[int] | None) -> None:
    """Log sent documents in the Logs, bind them, note them on their chatter; empties ``unbound``.

    Logs first: a document bound is never fetched again, so a crash before its entry was written
    must happen while it is still unbound — the next run sends it again, Procuros answers
    "already received", and the entry is found there and not written twice. A document sent for
    the first time (not on the retry list, not answered "already received") has no entry to look
    up; and the fetch kept only records without a binding, so none is looked up either (a binding
    written since by a concurrent run sends create_bindings down its checked path)."""
    if not unbound:
        return
    log.write([
        flow.log_entry("sent", f"{doc.model},{doc.record_id}", res_model=doc.model, res_id=doc.record_id,
                       record_name=doc.record_name, transaction_id=tid,
                       partner_id=partners.get(doc.record_id),
                       # "already received" is the same crossing as the earlier send: the same entry
                       reason="accepted by Procuros, not forwarded" if status is SendStatus.NO_ACTION else None,
                       payload=json.dumps(doc.content, ensure_ascii=False, sort_keys=True))
        for doc, tid, status in unbound
    ], fresh=[f"{doc.model},{doc.record_id}" for doc, _, status in unbound
              if retried is not None and doc.record_id not in retried and status is not SendStatus.ALREADY_RECEIVED])
    binder.bind([(doc.record_id, doc.model, doc.record_id) for doc, _, _ in unbound], known={})
    gateway.post_messages(
        flow.movement.odoo_model,
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


def _report_failures_once(flow: Flow, log: ExchangeLog, gateway, client,
                          failures: list[tuple[BuildFailure, str | None]], report: ExportReport, partners: dict,
                          *, tell_procuros: bool) -> None:
    """Report each (record, reason) on the record's chatter and in the Logs once, not on every run —
    and to Procuros (POST /v2/errors, as our own, INTERNAL failure) when it never saw the document:
    one it refused on sending is already listed there, with the errorUrl of that answer.

    "Already reported" is read from the Logs in Odoo, so it survives a lost Dagster instance just
    like "already sent" does."""
    if not failures:
        return
    state = "reported" if tell_procuros else "send_failed"
    key = lambda f: f"{f.model},{f.record_id}"  # noqa: E731
    seen = log.logged(flow.integration.key, flow.movement.name, [(key(f), state, f.reason) for f, _ in failures])
    fresh = [(f, url) for f, url in failures if (key(f), state, f.reason) not in seen]
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
        for f, _ in fresh
    } if tell_procuros else {f.record_id: url for f, url in fresh}
    for row in report.rows:
        if row["record_id"] in urls and not row["error_url"]:
            row["error_url"] = urls[row["record_id"]]
    gateway.post_messages(
        flow.movement.odoo_model,
        [(f.record_id, f"<p>Not sent to Procuros: {html.escape(f.reason)}</p>") for f, _ in fresh],
    )
    log.write([flow.log_entry(state, f"{f.model},{f.record_id}", res_model=f.model, res_id=f.record_id,
                              record_name=f.record_name, reason=f.reason,
                              error_url=urls.get(f.record_id), partner_id=partners.get(f.record_id))
               for f, _ in fresh])
