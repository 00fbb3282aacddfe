"""Shipping notices, invoices and credit notes out: one asset per movement, partitioned by document date."""


from datetime import date

import dagster as dg

from procuros_dagster.defs import metadata as md
from procuros_dagster.defs.o2c.exporting import ExportReport, ExportSpec, export_context, run_export
from procuros_dagster.defs.resources import ConnectorSettingsResource, OdooResource, ProcurosResource
from procuros_dagster.mapping import credit_notes_out, invoices_out, shipping_notices_out
from procuros_dagster.odoo import exports as odoo_exports

GROUP = "o2c"

SHIPPING_NOTICES = ExportSpec(
    name="shipping_notices",
    transaction_type="SHIPPING_NOTICE",
    odoo_model="stock.picking",
    label="delivery",
    # date_done is a UTC datetime: the partition's day is cut in the settings' time zone
    fetch=lambda gw, *, day=None, record_ids=None, tz, retry_ids=(): odoo_exports.fetch_shipping_notice_bundle(
        gw, day=day, picking_ids=record_ids, tz=tz, retry_ids=retry_ids
    ),
    build=shipping_notices_out.build_shipping_notices,
)
INVOICES = ExportSpec(
    name="invoices",
    transaction_type="INVOICE",
    odoo_model="account.move",
    label="invoice",
    fetch=lambda gw, *, day=None, record_ids=None, tz, retry_ids=(): odoo_exports.fetch_invoice_bundle(
        gw, day=day, move_ids=record_ids, retry_ids=retry_ids
    ),
    build=invoices_out.build_invoices,
)
CREDIT_NOTES = ExportSpec(
    name="credit_notes",
    transaction_type="CREDIT_NOTE",
    odoo_model="account.move",
    label="credit note",
    fetch=lambda gw, *, day=None, record_ids=None, tz, retry_ids=(): odoo_exports.fetch_credit_note_bundle(
        gw, day=day, move_ids=record_ids, retry_ids=retry_ids
    ),
    build=credit_notes_out.build_credit_notes,
)
EXPORTS = (SHIPPING_NOTICES, INVOICES, CREDIT_NOTES)


def execute_export(
    spec: ExportSpec,
    procuros: ProcurosResource,
    odoo: OdooResource,
    connector_settings: ConnectorSettingsResource,
    *,
    day: date | None = None,
    record_ids: list[int] | None = None,
) -> tuple[ExportReport, int]:
    settings = connector_settings.load()
    gateway = odoo.connect()
    calls_before = gateway.rpc_count
    ctx = export_context(gateway, settings, procuros.own_gln())
    with procuros.open(settings) as client:
        report = run_export(spec, gateway, client, ctx, day=day, record_ids=record_ids)
    return report, gateway.rpc_count - calls_before


def report_metadata(report: ExportReport, rpc_count: int) -> dict:
    return {
        "sent": report.count("TRANSMITTED"),
        "not_forwarded": report.count("NO_ACTION"),
        "already_received": report.count("ALREADY_RECEIVED"),
        "failed": report.count("INVALID", "NOT_BUILT"),
        "odoo_round_trips": rpc_count,
        "documents": md.table(report.frame),
    }


def delivery_check(spec: ExportSpec, report: ExportReport) -> dg.AssetCheckResult:
    failed = report.failed
    return dg.AssetCheckResult(
        check_name=f"{spec.name}_delivered",
        passed=failed.empty,
        metadata={"failed": len(failed), "failures": md.table(failed)},
        description=None if failed.empty else f"{len(failed)} {spec.label}(s) could not be sent; fix them in Odoo, the next run retries",
    )


def totals_check(spec: ExportSpec, report: ExportReport) -> dg.AssetCheckResult:
    totals = report.batch.totals
    if totals.empty:
        bad = totals
    else:
        net_off = (totals["lines_net"] - totals["amount_untaxed"]).abs() > 0.01
        tax_off = (totals["lines_tax"] - totals["amount_tax"]).abs() > 0.01
        bad = totals[net_off | tax_off]
    return dg.AssetCheckResult(
        check_name=f"{spec.name}_totals_add_up",
        passed=bad.empty,
        metadata={"mismatches": md.table(bad)},
    )


def build_export_asset(spec: ExportSpec, partitions_def: dg.DailyPartitionsDefinition):
    checks = [
        dg.AssetCheckSpec(
            f"{spec.name}_delivered",
            asset=f"{spec.name}_sent",
            description=f"Fails when a {spec.label} could not be built or was refused by Procuros.",
        )
    ]
    with_totals = spec.transaction_type in ("INVOICE", "CREDIT_NOTE")
    if with_totals:
        checks.append(
            dg.AssetCheckSpec(
                f"{spec.name}_totals_add_up",
                asset=f"{spec.name}_sent",
                description="Line amounts and taxes add up to the document totals read from Odoo.",
            )
        )

    @dg.asset(
        name=f"{spec.name}_sent",
        group_name=GROUP,
        partitions_def=partitions_def,
        kinds={"odoo", "procuros"},
        pool="odoo_writes",
        check_specs=checks,
        description=(
            f"{spec.transaction_type} documents built from Odoo's {spec.odoo_model} records of the day "
            "(by document date), validated against the Procuros schema, sent once, bound in Odoo and "
            "logged on the record's chatter."
        ),
    )
    def _asset(
        context: dg.AssetExecutionContext,
        procuros: ProcurosResource,
        odoo: OdooResource,
        connector_settings: ConnectorSettingsResource,
    ):
        report, rpc_count = execute_export(
            spec, procuros, odoo, connector_settings, day=date.fromisoformat(context.partition_key)
        )
        yield dg.Output(report.frame, metadata=report_metadata(report, rpc_count))
        yield delivery_check(spec, report)
        if with_totals:
            yield totals_check(spec, report)

    return _asset


class SendNowConfig(dg.Config):
    """Odoo records to send right now (the seed's "Send … to Procuros" buttons), by id or name."""

    shipping_notices: list[str] = []  # deliveries, e.g. ["WH/OUT/00004"] or ["17"]
    invoices: list[str] = []  # customer invoices, e.g. ["INV/2026/00012"]
    credit_notes: list[str] = []  # customer credit notes, e.g. ["RINV/2026/00003"]


def _record_ids(gateway, model: str, refs: list[str]) -> list[int]:
    ids = [int(r) for r in refs if r.strip().isdigit()]
    names = [r for r in refs if not r.strip().isdigit()]
    if names:
        found = gateway.search_read(model, [("name", "in", names)], ["id", "name"])
        missing = sorted(set(names) - {f["name"] for f in found})
        if missing:
            raise dg.Failure(f"No {model} record named {', '.join(missing)}")
        ids += [f["id"] for f in found]
    return ids


@dg.op(
    description="Send named deliveries, invoices and credit notes to Procuros now, whatever their date.",
    pool="odoo_writes",
)
def send_documents_now(
    context: dg.OpExecutionContext,
    config: SendNowConfig,
    procuros: ProcurosResource,
    odoo: OdooResource,
    connector_settings: ConnectorSettingsResource,
):
    gateway = odoo.connect()
    for spec, refs in (
        (SHIPPING_NOTICES, config.shipping_notices),
        (INVOICES, config.invoices),
        (CREDIT_NOTES, config.credit_notes),
    ):
        if not refs:
            continue
        ids = _record_ids(gateway, spec.odoo_model, refs)
        report, rpc_count = execute_export(spec, procuros, odoo, connector_settings, record_ids=ids)
        meta = report_metadata(report, rpc_count)
        context.log.info(f"{spec.name}: {meta['sent']} sent, {meta['failed']} failed")
        context.log_event(
            dg.AssetObservation(asset_key=f"{spec.name}_sent", metadata=meta)
        )
        if not report.failed.empty:
            raise dg.Failure(
                f"{len(report.failed)} {spec.label}(s) could not be sent",
                metadata={"failures": md.table(report.failed)},
            )


@dg.job(description="Send specific Odoo documents to Procuros now (the seed's Send … to Procuros buttons).")
def send_to_procuros():
    send_documents_now()
