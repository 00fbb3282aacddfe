"""Sensors and schedules, evaluated with Dagster's test helpers against both sandboxes.

The sensors are ticked by hand (``build_sensor_context`` + ``evaluate_tick``) with the
resources the code location uses; the run they request is then executed for real.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from procuros_dagster.defs.build import build_definitions
from procuros_dagster.defs.resources import ConnectorSettingsResource, OdooResource, ProcurosResource
from procuros_dagster.sandbox import demo_data as dd
from procuros_dagster.sandbox.odoo.clock import Clock
from procuros_dagster.settings import load_settings

EXPORT_JOBS = ("export_shipping_notices", "export_invoices", "export_credit_notes")


def _resources():
    return {"procuros": ProcurosResource(), "odoo": OdooResource(), "connector_settings": ConnectorSettingsResource()}


def _tick(stack, name: str, cursor: str | None = None) -> dg.SensorExecutionData:
    sensor = stack.defs.resolve_sensor_def(name)
    context = dg.build_sensor_context(
        instance=stack.instance, resources=_resources(), cursor=cursor, sensor_name=name, definitions=stack.defs
    )
    return sensor.evaluate_tick(context)


def _order(ref: str, **kwargs) -> dict:
    return dd.order_content(ref, [{"gtin": dd.ESPRESSO, "quantity": 2, "unit": "CT", "price": 89.4}], **kwargs)


def _deliver(stack, order_id) -> int:
    picking, _ = dd.deliver(stack.gateway, order_id)
    return picking


def _berlin_day(odoo_datetime: str) -> str:
    utc = datetime.strptime(odoo_datetime, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    return utc.astimezone(ZoneInfo("Europe/Berlin")).date().isoformat()


def _import(stack, *refs, partition: str | None = None, **kwargs) -> dict[str, int]:
    for ref in refs:
        stack.enqueue_order(_order(ref, **kwargs))
    assert stack.run("import_sales_orders", partition).success
    return {o["client_order_ref"]: o["id"] for o in stack.orders(fields=["id", "client_order_ref"])}


# --------------------------------------------------------------------------- procuros_order_queue


def test_queue_sensor_skips_empty_queue_and_requests_todays_import_with_stable_run_keys(stack):
    empty = _tick(stack, "procuros_order_queue")
    assert empty.run_requests == []
    assert empty.skip_message and "No pending orders" in empty.skip_message

    first = stack.enqueue_order(_order("PO-SENSOR-1"))
    second = stack.enqueue_order(_order("PO-SENSOR-2"))
    tick = _tick(stack, "procuros_order_queue")
    [request] = tick.run_requests
    assert request.partition_key == stack.today
    assert request.tags["procuros/pending_orders"] == "2"
    assert request.run_key

    # The same pending set gives the same run key: a second tick never starts a second run.
    [again] = _tick(stack, "procuros_order_queue").run_requests
    assert again.run_key == request.run_key

    # A changed pending set gives a new run key.
    stack.enqueue_order(_order("PO-SENSOR-3"))
    [changed] = _tick(stack, "procuros_order_queue").run_requests
    assert changed.run_key != request.run_key
    assert changed.tags["procuros/pending_orders"] == "3"

    # The requested run imports the orders and acknowledges them; the queue is empty afterwards.
    assert stack.run("import_sales_orders", changed.partition_key).success
    refs = sorted(o["client_order_ref"] for o in stack.orders(fields=["client_order_ref"]))
    assert refs == ["PO-SENSOR-1", "PO-SENSOR-2", "PO-SENSOR-3"]
    assert stack.procuros.acknowledgements[first]["success"] and stack.procuros.acknowledgements[second]["success"]
    assert stack.procuros.pending() == []
    assert _tick(stack, "procuros_order_queue").run_requests == []


def test_queue_sensor_request_runs_through_dagster_run_key_deduplication(stack):
    """Submitting the sensor's request as Dagster would: a run carrying the run key exists once."""
    stack.enqueue_order(_order("PO-SENSOR-KEY"))
    [request] = _tick(stack, "procuros_order_queue").run_requests
    job = stack.defs.resolve_job_def("import_sales_orders")
    result = job.execute_in_process(
        instance=stack.instance,
        partition_key=request.partition_key,
        tags={**request.tags, "dagster/run_key": request.run_key, "dagster/sensor_name": "procuros_order_queue"},
        raise_on_error=False,
    )
    assert result.success
    runs = stack.instance.get_runs(filters=dg.RunsFilter(tags={"dagster/run_key": request.run_key}))
    assert len(runs) == 1 and runs[0].tags["dagster/partition"] == stack.today
    assert [o["client_order_ref"] for o in stack.orders(fields=["client_order_ref"])] == ["PO-SENSOR-KEY"]


# --------------------------------------------------------------------------- odoo_exports


def test_odoo_sensor_requests_exports_for_new_deliveries_and_invoices_and_advances_its_cursor(stack):
    nothing = _tick(stack, "odoo_exports")
    assert nothing.run_requests == [] and nothing.skip_message

    ids = _import(stack, "PO-ODOO-1")
    picking = _deliver(stack, ids["PO-ODOO-1"])
    [done] = stack.gateway.read("stock.picking", [picking], ["date_done"])

    tick = _tick(stack, "odoo_exports", nothing.cursor)
    [request] = tick.run_requests
    assert request.job_name == "export_shipping_notices"
    assert request.partition_key == _berlin_day(done["date_done"])
    assert set(json.loads(tick.cursor)) == {"export_shipping_notices"}

    # The cursor moved past the change: the next tick skips.
    idle = _tick(stack, "odoo_exports", tick.cursor)
    assert idle.run_requests == [] and idle.skip_message
    # Evaluated again from the old cursor, the same change gives the same run key (idempotent).
    assert [r.run_key for r in _tick(stack, "odoo_exports", nothing.cursor).run_requests] == [request.run_key]

    # The requested run sends the notice; sending it is not itself a change worth another run.
    assert stack.run(request.job_name, request.partition_key).success
    assert [s["type"] for s in stack.procuros.sent] == ["SHIPPING_NOTICE"]
    after_send = _tick(stack, "odoo_exports", idle.cursor)
    assert after_send.run_requests == [], [(r.job_name, r.partition_key) for r in after_send.run_requests]

    # A posted invoice: export_invoices for its invoice date.
    [invoice] = stack.gateway.invoice_sale_orders([ids["PO-ODOO-1"]])
    stack.gateway.post_moves([invoice])
    [move] = stack.gateway.read("account.move", [invoice], ["invoice_date"])
    tick2 = _tick(stack, "odoo_exports", after_send.cursor)
    [inv_request] = tick2.run_requests
    assert (inv_request.job_name, inv_request.partition_key) == ("export_invoices", move["invoice_date"])
    assert _tick(stack, "odoo_exports", tick2.cursor).run_requests == []
    assert stack.run(inv_request.job_name, inv_request.partition_key).success
    assert [s["type"] for s in stack.procuros.sent] == ["SHIPPING_NOTICE", "INVOICE"]


def test_odoo_sensor_ignores_a_customer_whose_switches_are_off(stack):
    ids = _import(stack, "PO-QUIET-S", buyer_gln=dd.QUIET_BUYER_GLN, ship_to_gln=None)
    _deliver(stack, ids["PO-QUIET-S"])
    [invoice] = stack.gateway.invoice_sale_orders([ids["PO-QUIET-S"]])
    stack.gateway.post_moves([invoice])
    [credit_note] = stack.gateway.reverse_moves([invoice], reason="Bruch")
    stack.gateway.post_moves([credit_note])

    tick = _tick(stack, "odoo_exports")
    assert tick.run_requests == [] and tick.skip_message

    # Once the customer trades through Procuros, the same documents are picked up.
    stack.gateway.write(
        "res.partner", [stack.data.quiet_buyer_id],
        {"x_procuros_send_shipping_notice": True, "x_procuros_send_invoice": True},
    )
    jobs = sorted(r.job_name for r in _tick(stack, "odoo_exports", tick.cursor).run_requests)
    assert jobs == sorted(EXPORT_JOBS)


@pytest.mark.sandbox_only("freezes the Odoo sandbox's clock")
def test_odoo_sensor_does_not_lose_a_delivery_validated_in_the_same_second_as_its_cursor(stack, monkeypatch):
    """Odoo's write_date has one-second resolution: a record changed in the second the cursor
    points at must still be seen by the next tick (and get its own run)."""
    ids = _import(stack, "PO-SAME-1", "PO-SAME-2")
    monkeypatch.setattr(stack.odoo, "clock", Clock(frozen="2026-11-27 10:00:00"))
    first = _deliver(stack, ids["PO-SAME-1"])
    tick = _tick(stack, "odoo_exports")
    [request] = tick.run_requests
    second = _deliver(stack, ids["PO-SAME-2"])
    dates = stack.gateway.read("stock.picking", [first, second], ["write_date"])
    assert {d["write_date"] for d in dates} == {"2026-11-27 10:00:00"}

    later = _tick(stack, "odoo_exports", tick.cursor)
    assert [r.job_name for r in later.run_requests] == ["export_shipping_notices"], "the second delivery was missed"
    assert later.run_requests[0].run_key != request.run_key  # a new run, not deduplicated away
    assert _tick(stack, "odoo_exports", later.cursor).run_requests == []


# --------------------------------------------------------------------------- schedules


SETTINGS_YAML = """\
schedules:
  timezone: {tz}
  import_sales_orders: "5 0 * * *"
  export_shipping_notices: "20 0 * * 1-5"
  export_invoices: "0 23 * * *"
  export_credit_notes: "45 5 * * *"
"""


@pytest.fixture
def instance(tmp_path):
    (tmp_path / "dagster_home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster_home")) as instance:
        yield instance


def _defs_from_settings(tmp_path, monkeypatch, tz: str) -> dg.Definitions:
    path = tmp_path / f"settings-{tz.replace('/', '_')}.yaml"
    path.write_text(SETTINGS_YAML.format(tz=tz))
    monkeypatch.setenv("PROCUROS_DAGSTER_SETTINGS", str(path))
    return build_definitions(load_settings())


def _partition(instance, defs, schedule_name: str, when: datetime) -> dg.RunRequest:
    schedule = defs.resolve_schedule_def(schedule_name)
    context = dg.build_schedule_context(
        instance=instance, scheduled_execution_time=when, repository_def=defs.get_repository_def()
    )
    [request] = schedule.evaluate_tick(context).run_requests
    return request


def test_schedules_take_cron_and_timezone_from_the_settings_file(instance, tmp_path, monkeypatch):
    defs = _defs_from_settings(tmp_path, monkeypatch, "Europe/Berlin")
    expected = {
        "import_sales_orders_daily": ("5 0 * * *", "import_sales_orders"),
        "export_shipping_notices_daily": ("20 0 * * 1-5", "export_shipping_notices"),
        "export_invoices_daily": ("0 23 * * *", "export_invoices"),
        "export_credit_notes_daily": ("45 5 * * *", "export_credit_notes"),
    }
    for name, (cron, job) in expected.items():
        schedule = defs.resolve_schedule_def(name)
        assert schedule.cron_schedule == cron
        assert schedule.execution_timezone == "Europe/Berlin"
        assert schedule.job_name == job
        assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING

    utc_defs = _defs_from_settings(tmp_path, monkeypatch, "UTC")
    assert {utc_defs.resolve_schedule_def(n).execution_timezone for n in expected} == {"UTC"}


@pytest.mark.parametrize(
    "tz, import_day, export_day",
    [
        # 23:30 UTC on 10 March is already 00:30 on 11 March in Berlin.
        ("Europe/Berlin", "2026-03-11", "2026-03-10"),
        ("UTC", "2026-03-10", "2026-03-09"),
    ],
)
def test_schedules_request_today_for_imports_and_yesterday_for_exports_in_their_timezone(
    instance, tmp_path, monkeypatch, tz, import_day, export_day
):
    defs = _defs_from_settings(tmp_path, monkeypatch, tz)
    when = datetime(2026, 3, 10, 23, 30, tzinfo=timezone.utc)
    assert _partition(instance, defs, "import_sales_orders_daily", when).partition_key == import_day
    for job in EXPORT_JOBS:
        assert _partition(instance, defs, f"{job}_daily", when).partition_key == export_day

    # One run per scheduled time: the same tick gives the same run key, the next day's another.
    again = _partition(instance, defs, "import_sales_orders_daily", when)
    assert again.run_key == _partition(instance, defs, "import_sales_orders_daily", when).run_key
    next_day = _partition(instance, defs, "import_sales_orders_daily", datetime(2026, 3, 11, 23, 30, tzinfo=timezone.utc))
    assert next_day.run_key != again.run_key


def test_schedule_around_the_summer_time_switch(instance, tmp_path, monkeypatch):
    """22:30 UTC on 28 March 2026 is 23:30 CET; the same time on 29 March is 00:30 CEST."""
    defs = _defs_from_settings(tmp_path, monkeypatch, "Europe/Berlin")
    before = _partition(instance, defs, "import_sales_orders_daily", datetime(2026, 3, 28, 22, 30, tzinfo=timezone.utc))
    after = _partition(instance, defs, "import_sales_orders_daily", datetime(2026, 3, 29, 22, 30, tzinfo=timezone.utc))
    assert (before.partition_key, after.partition_key) == ("2026-03-28", "2026-03-30")


@pytest.mark.sandbox_only("freezes the Odoo sandbox's clock")
def test_odoo_sensor_request_sends_the_delivery_in_a_non_berlin_timezone(stack, tmp_path, monkeypatch):
    """The partition the sensor requests must be the one whose run sends the document.

    With schedules.timezone America/New_York, a delivery validated at 03:00 UTC on 27 November
    belongs to 26 November (22:00 in New York, but already 04:00 on the 27th in Berlin)."""
    settings = tmp_path / "settings.yaml"
    settings.write_text("schedules:\n  timezone: America/New_York\n")
    monkeypatch.setenv("PROCUROS_DAGSTER_SETTINGS", str(settings))
    stack.defs = build_definitions(load_settings())
    # today's partition is today in New York (in Berlin it may already be tomorrow)
    ids = _import(stack, "PO-NY-1", partition=datetime.now(ZoneInfo("America/New_York")).date().isoformat())
    with monkeypatch.context() as clock:
        clock.setattr(stack.odoo, "clock", Clock(frozen="2026-11-27 03:00:00"))
        _deliver(stack, ids["PO-NY-1"])

    [request] = _tick(stack, "odoo_exports").run_requests
    assert (request.job_name, request.partition_key) == ("export_shipping_notices", "2026-11-26")
    assert stack.run(request.job_name, request.partition_key).success
    assert [s["type"] for s in stack.procuros.sent] == ["SHIPPING_NOTICE"], "the requested run sent nothing"


def test_queue_sensor_retries_a_pending_set_that_a_failed_run_left_behind(stack, monkeypatch):
    from procuros_dagster.defs import automation

    sensor = stack.defs.resolve_sensor_def("procuros_order_queue")
    stack.enqueue_order(dd.order_content("PO-RETRY", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]))
    clock = [1_000_000.0]
    monkeypatch.setattr(automation, "_now", lambda: clock[0])
    ctx = dg.build_sensor_context(instance=stack.instance, resources={"procuros": ProcurosResource()})
    first = sensor(ctx)
    clock[0] += 60
    ctx2 = dg.build_sensor_context(instance=stack.instance, cursor=ctx.cursor, resources={"procuros": ProcurosResource()})
    same = sensor(ctx2)
    assert first.run_key == same.run_key  # a tick a minute later starts nothing new
    clock[0] += automation.RETRY_SECONDS
    ctx3 = dg.build_sensor_context(instance=stack.instance, cursor=ctx2.cursor, resources={"procuros": ProcurosResource()})
    retry = sensor(ctx3)
    assert retry.run_key != first.run_key  # still pending after the retry interval: try again


def test_sensors_skip_with_a_reason_when_credentials_are_missing(stack, monkeypatch):
    monkeypatch.delenv("PROCUROS_API_TOKEN")
    monkeypatch.delenv("ODOO_PASSWORD")
    queue = stack.defs.resolve_sensor_def("procuros_order_queue")
    skip = queue(dg.build_sensor_context(instance=stack.instance, resources={"procuros": ProcurosResource()}))
    assert isinstance(skip, dg.SkipReason) and "PROCUROS_API_TOKEN" in skip.skip_message
    exports = stack.defs.resolve_sensor_def("odoo_exports")
    skip = exports(dg.build_sensor_context(instance=stack.instance, resources={"odoo": OdooResource()}))
    assert isinstance(skip, dg.SkipReason) and "ODOO_PASSWORD" in skip.skip_message


def test_queue_sensor_waits_while_an_import_is_in_progress(stack):
    stack.enqueue_order(dd.order_content("PO-BUSY", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]))
    job = stack.defs.resolve_job_def("import_sales_orders")
    stack.instance.create_run_for_job(job, status=dg.DagsterRunStatus.STARTED, tags={"dagster/partition": stack.today})
    sensor = stack.defs.resolve_sensor_def("procuros_order_queue")
    skip = sensor(dg.build_sensor_context(instance=stack.instance, resources={"procuros": ProcurosResource()}))
    assert isinstance(skip, dg.SkipReason) and "already in progress" in skip.skip_message
