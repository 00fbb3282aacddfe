"""The outbound sequence every sent document takes, driven by its movement's OutboundSpec:

    select eligible records → build → validate against the Procuros schema → send →
    bind in Odoo → log (chatter + Procuros > Logs)

Sent once: a record is eligible until it is bound. Documents are sent several at a time
(``procuros.send_concurrency``) and answered in order. Bindings are written every BIND_EVERY sends (by
a worker thread, while the next documents are sent: Odoo works while Procuros does) and
whenever a send fails, so a run that dies part-way leaves at most a few sent-but-unbound records;
the next run sends their identical payloads again and Procuros answers 400 "Payload already
received" — that counts as sent. A 422 and a document we cannot build are logged (and, for one we
could not build, reported to Procuros with `POST /v2/errors`) once per record and reason, leave the
record eligible for the next run, and show up in the asset check.

Two optional steps of a movement: ``after_sent`` acts in Odoo on each batch just bound (purchase
orders are confirmed there), and a ``ChangeWatch`` reports records changed after they were sent
(once, in the Logs and on the chatter; they are not sent again). A run that died between binding
a batch and its ``after_sent`` leaves records sent but not acted on: the movement's
``unfinished`` finds them and the next run finishes them (never sending them again).
"""

from __future__ import annotations

import html
import json
import logging
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Sequence

import pandas as pd

from procuros_dagster.mapping.odoo_values import m2o_id
from procuros_dagster.mapping.outbound import BuildFailure, ExportContext, OutboundBatch, OutboundDocument
from procuros_dagster.flows.flow import Flow
from procuros_dagster.odoo.binder import Binder
from procuros_dagster.odoo.exchange_log import LOG_MODEL, ExchangeLog
from procuros_dagster.odoo.outbound_reads import day_domain
from procuros_dagster.odoo.setup import REQUEST_FIELD, REQUEST_MODELS
from procuros_dagster.procuros.errors import ProcurosNotFound, ProcurosValidationError
from procuros_dagster.procuros.models import SendStatus
from procuros_dagster.procuros.openapi import described_errors, validate_document

if TYPE_CHECKING:  # the settings import the movement registry, which imports this
    from procuros_dagster.settings import Settings

log = logging.getLogger(__name__)  # the run's log (dagster.yaml: managed Python loggers)

RESULT_COLUMNS = ["record_id", "document", "status", "transaction_id", "error", "error_url"]
SENT = {SendStatus.TRANSMITTED, SendStatus.NO_ACTION, SendStatus.ALREADY_RECEIVED}
# Bindings are written every BIND_EVERY sends (a few Odoo calls each time, in the background): a
# crash can expose at most twice this many sent-but-unbound documents (the batch being bound and
# the one being sent) plus the sends under way (procuros.send_concurrency), which Procuros then
# answers as already received.
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
    # (gateway, sent record ids, bundle): what the movement does in Odoo once documents are sent and
    # bound, called once per batch bound (purchase orders: confirm those needing no order response)
    after_sent: Callable[[Any, list[int], dict], Any] | None = None
    changes: "ChangeWatch | None" = None  # records sent earlier and changed since: reported, not re-sent
    # (gateway, *, scope, bound) -> bundle of sent records after_sent may not have reached (a crash
    # between their binding and it); each run hands those unchanged since they were sent to after_sent
    unfinished: Callable[..., dict] | None = None


@dataclass(frozen=True)
class ChangeWatch:
    """How a movement finds the records it sent that were changed afterwards (each goes out once:
    a change is reported on the record's chatter and in the Logs, once, and never sent)."""

    # (gateway, *, day, record_ids, tz, scope) -> [{"id", "name", "partner_id", "changed_at"}]: records
    # written since the day (or the named ones); changed_at is the UTC write date compared with the send
    candidates: Callable[..., list[dict]]
    differences: Callable[[dict, dict], list[str]]  # (content as sent, content now) -> what changed
    reason: Callable[[str, str, list[str]], str]  # (record name, sent on, differences) -> the reason logged
    settled: Callable[[Any, Sequence[int]], set[int]] | None = None  # records whose changes are expected


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
        gs1_prefix=settings.gs1_company_prefix,
    )


def _schema_failures(batch: OutboundBatch) -> tuple[list[OutboundDocument], list[BuildFailure]]:
    """Never send what Procuros would refuse: validate each payload against the OpenAPI schema."""
    valid, failures = [], []
    for doc in batch.documents:
        problems = validate_document(doc.transaction_type, doc.content) + [
            f"{path}: {m}" for path, msgs in described_errors(doc.transaction_type, doc.content).items() for m in msgs]
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


def _store_before_sending(gateway, batch: OutboundBatch, documents: list[OutboundDocument]) -> None:
    """What the documents about to go out gave Odoo's records (new SSCCs) is written first: a
    rerun, a resend or the warehouse's label then names the same unit. One write per record, and
    only for records that had none."""
    for doc in documents:
        for model, record_id, values in batch.odoo_writes.get(doc.record_id, []):
            gateway.write(model, [record_id], values)


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
    binder, exchange = flow.binder(gateway), ExchangeLog(gateway)
    # Records that failed before (logged, still unbound) are retried by every run, whatever their
    # own day: a delivery fixed in Odoo a week later is sent by today's run.
    retry_ids = (exchange.failed_record_ids(flow.integration.key, movement.name, movement.odoo_model)
                 if record_ids is None else [])
    _finish_interrupted(flow, gateway, binder, exchange, scope_domain(flow, ctx.company.get("company_id")))
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

    _store_before_sending(gateway, batch, documents)
    stamp = now().strftime("%Y-%m-%d %H:%M UTC")
    unbound: list[tuple[OutboundDocument, str | None, Any]] = []
    refused: list[tuple[BuildFailure, str | None]] = []  # Procuros has these already (the send's errorUrl)
    binding = _Background(lambda batch: _bind(flow, binder, exchange, gateway, batch, stamp, partners, retried, bundle))
    sends = _Sends(client, documents, flow.settings.procuros.send_concurrency)
    try:
        for doc, outcome, exc in sends:
            if exc is not None and not isinstance(exc, (ProcurosValidationError, ProcurosNotFound)):
                # a refused token (401/403) or Procuros down stops the run: no new send starts, the
                # ones under way are answered and bound, then the run fails with the first error
                sends.stop(exc)
                continue
            if exc is not None:
                # this document's fault (a 400 that is not "already received", a 404): report it and
                # go on
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
                    binding.submit(unbound)  # Odoo logs and binds these while the next ones are sent
            else:
                detail = "; ".join(f"{path}: {', '.join(msgs)}" for path, msgs in sorted(outcome.errors.items()))
                reason = f"Procuros refused {movement.label} {doc.record_name}: {outcome.message or 'invalid'}" + (f" ({detail})" if detail else "")
                report.rows.append(
                    {"record_id": doc.record_id, "document": doc.record_name, "status": "INVALID", "transaction_id": None, "error": reason, "error_url": outcome.error_url}
                )
                refused.append((BuildFailure(doc.model, doc.record_id, doc.record_name, doc.transaction_type, reason), outcome.error_url))
        sends.raise_stopped()
    finally:
        sends.close()
        # Whatever was sent is bound, even when a later send fails (Procuros down, a crash of the
        # client): the next run must not send those documents a second time. A batch whose
        # binding failed in the background comes back into ``unbound`` and is tried again here.
        try:
            binding.wait(unbound)
        finally:
            binding.close()
            _bind(flow, binder, exchange, gateway, unbound, stamp, partners, retried, bundle)

    _report_failures_once(flow, exchange, gateway, client, [(f, None) for f in to_report], report, partners,
                          tell_procuros=True)
    _report_failures_once(flow, exchange, gateway, client, refused, report, partners, tell_procuros=False)
    if spec.changes is not None:
        _report_changes(flow, spec.changes, gateway, exchange, binder, ctx, report, day=day, record_ids=record_ids,
                        scope=scope_domain(flow, ctx.company.get("company_id")))
    if record_ids:
        clear_send_requests(gateway, movement.odoo_model, record_ids)
    log.info("%s %s: %d sent, %d already received, %d not built, %d refused", flow.integration.key,
             movement.name, report.count("TRANSMITTED", "NO_ACTION"), report.count("ALREADY_RECEIVED"),
             len(to_report), len(refused))
    return report


def clear_send_requests(gateway, model: str, record_ids: list[int]) -> None:
    """The "Send … to Procuros" requests of these records are answered — sent, or why not on the
    chatter and in the Logs: clear the flag. One look-up and one write per batch."""
    if model not in REQUEST_MODELS:
        return
    ids = gateway.search(model, [("id", "in", list(record_ids)), (REQUEST_FIELD, "=", True)])
    if ids:
        gateway.write(model, ids, {REQUEST_FIELD: False})


CHANGED = "changed_after_sending"


def _report_changes(flow: Flow, watch: ChangeWatch, gateway, exchange: ExchangeLog, binder: Binder, ctx: ExportContext,
                    report: ExportReport, *, day: date | None, record_ids: list[int] | None, scope: list) -> None:
    """Records sent earlier whose content changed since: one Logs entry and one chatter note each,
    once; never sent again. Whether it changed is decided on the content (the document built now
    against the payload sent), not on the write date alone: Odoo writes lines when goods arrive."""
    model, movement = flow.movement.odoo_model, flow.movement.name
    candidates = {int(c["id"]): c for c in watch.candidates(gateway, day=day, record_ids=record_ids,
                                                            tz=ctx.timezone, scope=scope)}
    if not candidates:
        return
    sent = binder.bound_ids(model, list(candidates))
    if watch.settled is not None and sent:
        sent -= watch.settled(gateway, sorted(sent))
    latest = exchange.latest(flow.integration.key, movement, [f"{model},{i}" for i in sorted(sent)])
    due = {i: latest[f"{model},{i}"] for i in sorted(sent)
           if (e := latest.get(f"{model},{i}")) and e["x_state"] == "sent"
           and str(candidates[i]["changed_at"]) >= str(e.get("create_date") or "")}
    if not due:
        return
    payloads = {r["id"]: r.get("x_payload") for r in gateway.read(LOG_MODEL, [e["id"] for e in due.values()],
                                                                   ["x_payload"])}
    batch = flow.spec.build(flow.spec.fetch(gateway, record_ids=sorted(due), tz=ctx.timezone, scope=scope), ctx)
    now_content = {d.record_id: d.content for d in batch.documents}
    not_built = {f.record_id: f.reason for f in batch.failures}
    found: list[tuple[int, str]] = []
    for rid, entry in due.items():
        try:
            as_sent = json.loads(payloads.get(entry["id"]) or "{}")
        except ValueError:
            continue
        if rid in now_content:
            changes = watch.differences(as_sent, now_content[rid])
        elif rid in not_built:
            changes = [f"it could not be sent as it is now ({not_built[rid]})"]
        else:
            changes = []  # no longer eligible (cancelled, locked): nothing the supplier would get
        if changes:
            name = str(candidates[rid].get("name") or rid)
            found.append((rid, watch.reason(name, f"{str(entry.get('create_date'))[:16]} UTC", changes)))
    if not found:
        return
    gateway.post_messages(model, [(rid, f"<p>{html.escape(reason)}</p>") for rid, reason in found])
    exchange.write([flow.log_entry(CHANGED, f"{model},{rid}", res_model=model, res_id=rid,
                              record_name=str(candidates[rid].get("name") or rid), reason=reason,
                              partner_id=m2o_id(candidates[rid].get("partner_id")))
               for rid, reason in found])
    report.rows.extend({"record_id": rid, "document": str(candidates[rid].get("name") or rid),
                        "status": "CHANGED_AFTER_SENDING", "transaction_id": due[rid].get("x_transaction_id") or None,
                        "error": reason, "error_url": None} for rid, reason in found)


class _Sends:
    """The documents sent to Procuros ``workers`` at a time, answered in the documents' order:
    yields (document, outcome, None) or (document, None, the error its send raised).

    Each send waits for Procuros' answer (tens of milliseconds over the internet), so one at a
    time an export is bound by that round trip. Answers come back in order, so what is bound, and
    when, is as without concurrency; at most ``workers`` more documents are under way than one
    at a time — a crash can leave those sent and unbound too (Procuros answers "already received"
    when the next run sends them). After ``stop`` no send starts; the ones under way are still
    yielded, so that what went out is bound."""

    def __init__(self, client, documents: list, workers: int):
        self._client, self._documents, self._workers = client, documents, max(1, workers)
        self._pool = (ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="procuros-send")
                      if self._workers > 1 and len(documents) > 1 else None)
        self._stopped: BaseException | None = None

    def _send(self, doc):
        return self._client.send(doc.transaction_type, doc.content)

    def __iter__(self):
        if self._pool is None:
            for doc in self._documents:
                if self._stopped is not None:
                    return
                yield self._answer(doc, None)
            return
        pending = iter(self._documents)
        window: deque = deque()
        for doc in pending:
            window.append((doc, self._pool.submit(self._send, doc)))
            if len(window) >= self._workers:
                break
        while window:
            doc, future = window.popleft()
            yield self._answer(doc, future)
            # the next send starts once the caller took the answer: after a stop(), none does, and
            # what is under way is still answered
            if self._stopped is None:
                following = next(pending, None)
                if following is not None:
                    window.append((following, self._pool.submit(self._send, following)))

    def _answer(self, doc, future: Future | None):
        try:
            return doc, (future.result() if future is not None else self._send(doc)), None
        except Exception as exc:  # the caller decides: the document's fault, or the run's
            return doc, None, exc

    def stop(self, exc: BaseException) -> None:
        if self._stopped is None:
            self._stopped = exc

    def raise_stopped(self) -> None:
        if self._stopped is not None:
            raise self._stopped

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


class _Background:
    """One batch at a time handed to a worker thread (Odoo logs and binds batch k while batch k+1
    is sent to Procuros); the next submit waits for the previous one, so Odoo sees the calls in
    the same order and from one thread at a time, as without it."""

    def __init__(self, work: Callable[[list], None]):
        self._work = work
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="procuros-bind")
        self._running: tuple[Future, list] | None = None

    def submit(self, items: list) -> None:
        """Take ``items`` (emptied) for the worker, after the previous batch is done."""
        self.wait(items)
        batch = list(items)
        items.clear()
        self._running = (self._pool.submit(self._work, batch), batch)

    def wait(self, items: list) -> None:
        """Wait for the running batch; if it failed, its items go back to the front of ``items``
        and its error is raised."""
        if self._running is None:
            return
        future, batch = self._running
        self._running = None
        try:
            future.result()
        except BaseException:
            items[:0] = batch  # _bind empties its list only once all is written
            raise

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _bind(flow: Flow, binder: Binder, exchange: ExchangeLog, gateway, unbound: list, stamp: str,
          partners: dict, retried: set[int] | None, bundle: dict | None = None) -> None:
    """Log sent documents in the Logs, bind them, note them on their chatter; empties ``unbound``.

    Logs first: a document bound is never fetched again, so a crash before its entry was written
    must happen while it is still unbound — the next run sends it again, Procuros answers
    "already received", and the entry is found there and not written twice. A document sent for
    the first time (not on the retry list, not answered "already received") has no entry to look
    up; and the fetch kept only records without a binding, so none is looked up either (a binding
    written since by a concurrent run sends create_bindings down its checked path)."""
    if not unbound:
        return
    exchange.write([
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
    if flow.spec.after_sent is not None:
        flow.spec.after_sent(gateway, [doc.record_id for doc, _, _ in unbound], bundle or {})
    unbound.clear()


def _finish_interrupted(flow: Flow, gateway, binder: Binder, exchange: ExchangeLog, scope: list) -> list[int]:
    """Records a run sent and bound, then died before their after_sent step: finished now.

    Only those whose latest Logs entry is the send and which nobody changed since: a record a
    user edited after it was sent (cancelled and set back to draft, say) is the user's to act on."""
    spec, model = flow.spec, flow.movement.odoo_model
    if spec.after_sent is None or spec.unfinished is None:
        return []
    bundle = spec.unfinished(gateway, scope=scope, bound=binder.bound_ids)
    records = {r["id"]: r for r in bundle.get(model, [])}
    if not records:
        return []
    latest = exchange.latest(flow.integration.key, flow.movement.name, [f"{model},{i}" for i in records])
    due = [i for i, r in records.items() if (e := latest.get(f"{model},{i}")) and e["x_state"] == "sent"
           and str(r.get("write_date") or "") <= str(e.get("create_date") or "")]
    if due:
        log.info("%s %s: finishing %d sent before a run was interrupted", flow.integration.key,
                 flow.movement.name, len(due))
        spec.after_sent(gateway, due, bundle)
    return due


def _report_failures_once(flow: Flow, exchange: ExchangeLog, gateway, client,
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
    seen = exchange.logged(flow.integration.key, flow.movement.name, [(key(f), state, f.reason) for f, _ in failures])
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
    exchange.write([flow.log_entry(state, f"{f.model},{f.record_id}", res_model=f.model, res_id=f.record_id,
                              record_name=f.record_name, reason=f.reason,
                              error_url=urls.get(f.record_id), partner_id=partners.get(f.record_id))
               for f, _ in fresh])
