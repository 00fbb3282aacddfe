"""Replay: named Procuros ORDER transactions processed again, read back from the history.

For an order rejected earlier (say, for a product Odoo did not have yet) once the data is fixed.
The transactions go through the daily import's own stages (see orders_in.py); what differs is
where they come from and what is acknowledged: only a transaction that is still pending at
Procuros (its status PENDING, as the transaction reads back). The others were acknowledged when they first arrived, and that history is kept.
Orders imported before are found by their transaction id and left alone, so a replay runs
any number of times without creating anything twice.
"""

import uuid

import dagster as dg
from pydantic import Field

from procuros_dagster.defs import metadata as md
from procuros_dagster.defs.inbound import chunk_writer as _writer
from procuros_dagster.defs.inbound import integration_gateway
from procuros_dagster.defs.resources import ConnectorSettingsResource, OdooResource, ProcurosResource
from procuros_dagster.flows.chunks import Chunks, batched
from procuros_dagster.flows.flow import Flow
from procuros_dagster.flows.inbound import (CHUNK, RawBatch, RawChunk, acknowledge_stage, as_pending,
                                            normalise_stage, resolve_stage, write_stage)
from procuros_dagster.flows.landing import land, landing_root
from procuros_dagster.movements import SALES_ORDERS
from procuros_dagster.procuros.errors import ProcurosNotFound

JOB = "replay_orders"
FOLDER = "replay"  # the landing and chunk folders' partition: a replay belongs to no day
EXAMPLE = '["0b3c8c53-6f2e-4bb4-9f0e-4a1d3c2b1a00"]'


ORDER = SALES_ORDERS.procuros_type


class ReplayConfig(dg.Config):
    transaction_ids: list[str] = Field(
        description=(
            "Procuros transaction ids of the ORDERs to process again (the id Procuros shows on the "
            f"transaction and in the rejection), e.g. {EXAMPLE}"
        )
    )
    integration: str = Field(
        default="",
        description="The integration the orders came through, by its key in the settings file, e.g. "
                    '"acme_de"; leave empty when there is only one.',
    )


def replay_flow(connector_settings: ConnectorSettingsResource, key: str = "") -> Flow:
    settings = connector_settings.load()
    if key:
        integration = settings.integration(key)
    else:
        on = [i for i in settings.integrations if i.is_on(SALES_ORDERS.name)]
        if len(on) != 1:
            raise dg.Failure("Say which integration the orders came through: integration: "
                             + " or ".join(repr(i.key) for i in on), allow_retries=False)
        integration = on[0]
    return Flow(SALES_ORDERS, integration, settings)


def _flow(context, connector_settings: ConnectorSettingsResource) -> Flow:
    """The replay's flow, for the ops after the first: the integration named in its config."""
    config = context.run_config.get("ops", {}).get("replayed_orders_raw", {}).get("config", {})
    return replay_flow(connector_settings, config.get("integration") or "")


def requested_ids(config: ReplayConfig) -> list[str]:
    """The ids asked for, in order, once each; a clear refusal for an empty list or a malformed id."""
    ids = list(dict.fromkeys(t.strip() for t in config.transaction_ids if t.strip()))
    if not ids:
        raise dg.Failure(
            "No transaction to replay: give the Procuros transaction ids of the orders to process again, "
            f"e.g. transaction_ids: {EXAMPLE}",
            allow_retries=False,
        )
    malformed = [t for t in ids if not _is_uuid(t)]
    if malformed:
        raise dg.Failure(
            f"Not a Procuros transaction id: {', '.join(malformed)}. Transaction ids look like "
            f"{EXAMPLE[2:-2]}; nothing was replayed.",
            allow_retries=False,
        )
    return ids


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@dg.op(description="Read the named ORDER transactions back from Procuros and land them raw.")
def replayed_orders_raw(
    context: dg.OpExecutionContext,
    config: ReplayConfig,
    procuros: ProcurosResource,
    connector_settings: ConnectorSettingsResource,
) -> dg.Output[RawBatch]:
    flow = replay_flow(connector_settings, config.integration.strip())
    ids = requested_ids(config)
    found, unknown = [], []
    with procuros.open(flow.settings, flow.integration) as client:
        for tid in ids:
            try:
                found.append(client.get_transaction(tid))
            except ProcurosNotFound:
                unknown.append(tid)
    # Every id is checked before anything is processed: a typo refuses the whole replay.
    problems = [f"Procuros knows no transaction {tid}" for tid in unknown]
    problems += [f"{t.procuros_transaction_id} is a {t.type}, not an ORDER" for t in found if t.type != ORDER]
    problems += [
        f"{t.procuros_transaction_id} was replaced by {t.replaced_by_procuros_transaction_id or 'a newer version'}; "
        "replay the latest version"
        for t in found
        if t.type == ORDER and not t.is_latest_version
    ]
    if problems:
        raise dg.Failure("Nothing was replayed: " + "; ".join(problems) + ".", allow_retries=False)

    transactions = [as_pending(t) for t in found]
    pending = {t.procuros_transaction_id for t in found if t.status == "PENDING"}
    test_flow = {t.procuros_transaction_id for t in found if t.flow == "TEST"} if flow.test_flow != "import" else set()
    # Durable first, as in the daily import: landed before anything can be acknowledged.
    path, _ = land(landing_root(context.instance.storage_directory(), flow.integration), ORDER, FOLDER, context.run_id, transactions)
    writer = _writer(context, "procuros_orders_raw", FOLDER)
    for still_pending in (True, False):
        group = [t for t in transactions if (t["procurosTransactionId"] in pending) is still_pending]
        for chunk in batched(group, CHUNK):
            writer.write(RawChunk(chunk, pending=still_pending), len(chunk))
    raw = RawBatch(writer.close(), len(pending), test_flow, str(path))
    return dg.Output(
        raw,
        metadata={
            "replayed": len(transactions),
            "still_pending": len(pending),
            "test_flow": len(test_flow),
            "landing_file": dg.MetadataValue.path(str(path)),
        },
    )


@dg.op(description="Check the replayed orders field by field, as the daily import does; unreadable ones are rejected with a reason.")
def replayed_order_frames(
    context: dg.OpExecutionContext,
    raw: RawBatch,
    procuros: ProcurosResource,
    connector_settings: ConnectorSettingsResource,
) -> dg.Output[Chunks]:
    flow = _flow(context, connector_settings)
    chunks, metadata = normalise_stage(flow, raw, _writer(context, "order_frames", FOLDER),
                                       procuros.own_gln(flow.integration))
    return dg.Output(chunks, metadata=md.convert(metadata))


@dg.op(description="Find each replayed order's customer, addresses, products and units in Odoo, as the daily import does.")
def replayed_resolved_orders(
    context: dg.OpExecutionContext,
    frames: Chunks,
    odoo: OdooResource,
    connector_settings: ConnectorSettingsResource,
) -> dg.Output[Chunks]:
    flow = _flow(context, connector_settings)
    stage = resolve_stage(flow, frames, _writer(context, "resolved_orders", FOLDER), integration_gateway(odoo, flow))
    if stage.systemic:  # what order_writes_well_formed blocks in the daily import
        raise dg.Failure(
            "The connector built malformed values for these orders; nothing was written to Odoo",
            metadata={"problems": md.records_table(stage.problems[:500], ["transaction_id", "problem"])},
            allow_retries=False,
        )
    return dg.Output(stage.output, metadata=md.convert({**stage.metadata, "rejects": stage.rejects}))


@dg.op(description="Create the replayed orders as quotations in Odoo (an order already there is left alone).",
       pool="odoo_writes")
def replayed_sale_quotations(
    context: dg.OpExecutionContext,
    resolved: Chunks,
    odoo: OdooResource,
    connector_settings: ConnectorSettingsResource,
) -> dg.Output[Chunks]:
    flow = _flow(context, connector_settings)
    chunks, metadata = write_stage(flow, resolved, _writer(context, "sale_quotations", FOLDER),
                                   integration_gateway(odoo, flow))
    return dg.Output(chunks, metadata=md.convert(metadata))


def outcomes(resolved: Chunks, quotations: Chunks) -> list[dict]:
    """One row per replayed transaction: what became of it."""
    rows: dict[str, dict] = {}
    for chunk in resolved:
        for r in chunk.resolved.rejects.itertuples(index=False):
            rows.setdefault(r.transaction_id, {"transaction_id": r.transaction_id, "order": r.order_identifier,
                                               "outcome": "rejected", "detail": r.reason})
    for chunk in quotations:
        for o in chunk:
            odoo = o.order_name or (f"Odoo sale order id {o.order_id}" if o.order_id else None)
            rows.setdefault(o.transaction_id, {"transaction_id": o.transaction_id, "order": o.order_identifier,
                                               "outcome": o.status, "detail": o.error or odoo})
    return list(rows.values())


@dg.op(description="Acknowledge the replayed orders that are still pending at Procuros, and only those.")
def replayed_acknowledgements(
    context: dg.OpExecutionContext,
    raw: RawBatch,
    resolved: Chunks,
    quotations: Chunks,
    procuros: ProcurosResource,
    odoo: OdooResource,
    connector_settings: ConnectorSettingsResource,
) -> dg.Output[None]:
    flow = _flow(context, connector_settings)
    with procuros.open(flow.settings, flow.integration) as client:
        stage = acknowledge_stage(flow, raw, resolved, quotations, client, odoo.connect())
    rows = outcomes(resolved, quotations)
    for row in rows:
        context.log.info(f"{row['transaction_id']} ({row['order'] or 'no order number'}): {row['outcome']}"
                         + (f" — {row['detail']}" if row["detail"] else ""))
    not_done = [r for r in rows if r["outcome"] in ("rejected", "failed")]
    metadata = md.convert({**stage.metadata,
                           "outcomes": md.records_table(rows, ["transaction_id", "order", "outcome", "detail"])})
    if not_done:
        # acknowledged above already: the failure only tells the operator the replay did not fix them
        raise dg.Failure(f"{len(not_done)} of {len(rows)} replayed order(s) still not imported: "
                         + "; ".join(f"{r['transaction_id']}: {r['detail']}" for r in not_done[:20]),
                         metadata=metadata, allow_retries=False)
    return dg.Output(None, metadata=metadata)


@dg.job(
    name=JOB,
    executor_def=dg.in_process_executor,
    description=(
        "Process named Procuros ORDER transactions again (read back from the history), e.g. an order "
        "rejected for a missing product once the product exists. Running it twice creates nothing "
        "twice; only transactions still pending are acknowledged."
    ),
)
def replay_orders():
    raw = replayed_orders_raw()
    resolved = replayed_resolved_orders(replayed_order_frames(raw))
    replayed_acknowledgements(raw, resolved, replayed_sale_quotations(resolved))


def run_config(transaction_ids: list[str], integration: str = "") -> dict:
    config: dict = {"transaction_ids": list(transaction_ids)}
    if integration:
        config["integration"] = integration
    return {"ops": {"replayed_orders_raw": {"config": config}}}
