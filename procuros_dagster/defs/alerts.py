"""Alert sensors: failed runs, failed asset checks and rejected documents, once per problem.

* ``procuros_run_failure_alerts`` (a run failure sensor) alerts a failed run of a connector job.
  The problem is the job, the step and the error's class; it is remembered on the run itself
  (tag ``procuros/alert_key``), so a job failing the same way every tick alerts once, and again
  only after a run of that job succeeded in between (the problem came back).
* ``procuros_check_alerts`` reads the asset check evaluations of every connector run that
  finished and alerts each new problem: one per rejected order (check, transaction, reason), per
  document not sent (check, record, reason), ... The problems already sent are kept in the sensor
  cursor, per channel, with each channel's position, so one broken channel neither blocks nor
  duplicates the other, and an alert that could not be delivered is tried again next tick.

A cursor that is gone (a new Dagster instance, a reset sensor) starts at the runs finishing from
then on: the history is never replayed as a burst of old alerts.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from typing import Any, Iterable

import dagster as dg

from procuros_dagster.alerts import Alert, AlertChannel, DeliveryError, channels_from_settings
from procuros_dagster.alerts.messages import Problem, check_alert, error_text, problem_key, run_failure_alert
from procuros_dagster.settings import AlertSettings

ALERT_KEY_TAG = "procuros/alert_key"
ALERT_TAG = "procuros/alert"
FINISHED = (dg.DagsterEventType.RUN_SUCCESS, dg.DagsterEventType.RUN_FAILURE)
RUNS_PER_TICK = 50
REMEMBERED = 5000  # problem keys kept per channel (oldest dropped first)


def _channels(alerts: AlertSettings, channels: list[AlertChannel] | None) -> list[AlertChannel]:
    return channels if channels is not None else channels_from_settings(alerts, os.environ)


# --------------------------------------------------------------------------- failed runs


def _step_error(context: dg.RunFailureSensorContext) -> tuple[str | None, str, str]:
    """(step, error class, message) of the first failed step, else of the run's failure."""
    for event in context.get_step_failure_events():
        error = event.event_specific_data.error
        while error is not None and error.cause is not None and error.cls_name.startswith("Dagster"):
            error = error.cause  # the user code's exception, not Dagster's wrapper
        if error is not None:
            return event.step_key, error.cls_name, error.message.strip()
    data = context.failure_event.event_specific_data
    error = getattr(data, "error", None)
    if error is not None:
        return None, error.cls_name, error.message.strip()
    return None, "RunFailure", context.failure_event.message or "the run failed"


def _open_problem(instance: dg.DagsterInstance, job: str, key: str, run_id: str) -> str | None:
    """The run that already alerted this problem, while no run of the job succeeded since."""
    for record in instance.get_run_records(dg.RunsFilter(job_name=job, tags={ALERT_KEY_TAG: key}), limit=2):
        if record.dagster_run.run_id == run_id:
            continue
        since = datetime.fromtimestamp(record.create_timestamp.timestamp(), tz=timezone.utc)
        succeeded = instance.get_run_records(
            dg.RunsFilter(job_name=job, statuses=[dg.DagsterRunStatus.SUCCESS], created_after=since), limit=1
        )
        return None if succeeded else record.dagster_run.run_id
    return None


def build_run_failure_sensor(jobs: list, alerts: AlertSettings, *, channels: list[AlertChannel] | None = None):
    @dg.run_failure_sensor(
        name="procuros_run_failure_alerts",
        monitored_jobs=jobs,
        minimum_interval_seconds=alerts.interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Alerts a failed run of a connector job by e-mail / webhook, once per problem (job, step, error).",
    )
    def procuros_run_failure_alerts(context: dg.RunFailureSensorContext):
        run = context.dagster_run
        step, cls_name, message = _step_error(context)
        key = problem_key(run.job_name, step, cls_name)
        earlier = _open_problem(context.instance, run.job_name, key, run.run_id)
        if earlier:
            context.instance.add_run_tags(run.run_id, {ALERT_KEY_TAG: key, ALERT_TAG: f"not sent again: same problem as run {earlier}"})
            return dg.SkipReason(f"Same problem as run {earlier}: not alerted again")
        alert = run_failure_alert(
            key=key, job=run.job_name, run_id=run.run_id, partition=run.tags.get("dagster/partition"),
            step=step, error=error_text(cls_name, message), ui_url=alerts.dagster_ui_url,
        )
        sent, failed = [], []
        for channel in _channels(alerts, channels):
            try:
                channel.send(alert)
                sent.append(channel.name)
            except DeliveryError as exc:
                failed.append(str(exc))
        tags = {ALERT_TAG: ("sent by " + " and ".join(sent)) if sent else "not delivered"}
        if not failed:
            tags[ALERT_KEY_TAG] = key  # remembered only once every channel has it
        context.instance.add_run_tags(run.run_id, tags)
        if failed:
            # the tick shows it; the problem is not remembered, so its next failure alerts again
            raise DeliveryError("; ".join(failed))
        context.log.info(f"Alerted the failure of run {run.run_id} ({', '.join(sent)})")
        return dg.SkipReason(f"Alert sent by {' and '.join(sent)}")

    return procuros_run_failure_alerts


# --------------------------------------------------------------------------- failed checks


def _cell(row: dict, name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value)


def _rows(evaluation, table: str) -> list[dict]:
    value = evaluation.metadata.get(table)
    return [dict(r.data) for r in value.records] if isinstance(value, dg.TableMetadataValue) else []


def check_problems(evaluation) -> list[Problem]:
    """The problems a failed evaluation of one of the connector's checks reports, one per row."""
    name = evaluation.check_name
    problems: list[Problem] = []
    if name.endswith("resolve_cleanly"):  # every inbound movement's: its rejects name buyer or supplier
        for r in _rows(evaluation, "rejects"):
            order = _cell(r, "order_identifier") or "(no order number)"
            party = next((f"{role} GLN {_cell(r, f'{role}_gln')}, " for role in ("buyer", "supplier")
                          if _cell(r, f"{role}_gln")), "")
            problems.append(Problem(
                problem_key(name, _cell(r, "transaction_id"), _cell(r, "reason")),
                f"Order {order} ({party}Procuros transaction {_cell(r, 'transaction_id')}): {_cell(r, 'reason')}",
                order,
            ))
    elif name == "order_responses_accepted":
        for r in _rows(evaluation, "documents"):
            order = _cell(r, "order")
            problems.append(Problem(
                problem_key(name, _cell(r, "transaction_id")),
                f"Purchase order {order} (Procuros transaction {_cell(r, 'transaction_id')}): {_cell(r, 'reason')}",
                order,
            ))
    elif name == "order_writes_well_formed":
        for r in _rows(evaluation, "problems"):
            problems.append(Problem(
                problem_key(name, _cell(r, "transaction_id"), _cell(r, "problem")),
                f"Procuros transaction {_cell(r, 'transaction_id')}: {_cell(r, 'problem')}",
            ))
    elif name == "orders_acknowledged":
        for r in _rows(evaluation, "transactions"):
            problems.append(Problem(
                problem_key(name, _cell(r, "transaction_id")),
                f"Procuros transaction {_cell(r, 'transaction_id')} was not acknowledged",
            ))
    elif name.endswith("_delivered"):
        for r in _rows(evaluation, "failures"):
            link = f" ({_cell(r, 'error_url')})" if _cell(r, "error_url") else ""
            doc = _cell(r, "document") or f"record {_cell(r, 'record_id')}"
            problems.append(Problem(
                problem_key(name, _cell(r, "record_id"), _cell(r, "error")),
                f"{doc}: {_cell(r, 'error')}{link}",
                doc,
            ))
    elif name.endswith("_totals_add_up"):
        for r in _rows(evaluation, "mismatches"):
            doc = _cell(r, "document") or f"record {_cell(r, 'record_id')}"
            problems.append(Problem(
                problem_key(name, _cell(r, "record_id"), _cell(r, "lines_net"), _cell(r, "lines_tax"),
                            _cell(r, "amount_untaxed"), _cell(r, "amount_tax")),
                f"{doc}: lines {_cell(r, 'lines_net')} + tax {_cell(r, 'lines_tax')}, "
                f"Odoo's totals {_cell(r, 'amount_untaxed')} + tax {_cell(r, 'amount_tax')}",
                doc,
            ))
    if not problems:  # a failure without rows (or a check we do not know row by row)
        what = evaluation.description or "the check failed"
        problems.append(Problem(problem_key(name, evaluation.asset_key.to_user_string(), evaluation.partition, what), what))
    return problems


def _latest_storage_id(instance: dg.DagsterInstance, event_type) -> int:
    records = instance.fetch_run_status_changes(event_type, limit=1).records
    return records[0].storage_id if records else 0


def _finished_runs(instance, job_names: list[str], after: dict[str, int]) -> list[tuple[int, str, str]]:
    """(storage id, event type, run id) of connector runs that finished after the positions."""
    found = []
    for event_type in FINISHED:
        records = instance.fetch_run_status_changes(
            dg.RunStatusChangeRecordsFilter(event_type, after_storage_id=after[event_type.value], job_names=job_names),
            limit=RUNS_PER_TICK,
            ascending=True,
        ).records
        found += [(r.storage_id, event_type.value, r.run_id) for r in records]
    return sorted(found)


def _failed_evaluations(instance, run_id: str, check_keys: set) -> Iterable[Any]:
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        if not evaluation.passed and dg.AssetCheckKey(evaluation.asset_key, evaluation.check_name) in check_keys:
            yield evaluation


def build_check_alert_sensor(
    job_names: list[str], check_keys: Iterable, alerts: AlertSettings, *, channels: list[AlertChannel] | None = None
):
    check_keys = set(check_keys)

    @dg.sensor(
        name="procuros_check_alerts",
        minimum_interval_seconds=alerts.interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "Alerts failed asset checks of the connector — rejected orders, documents not sent, "
            "totals that do not add up — by e-mail / webhook, once per document and reason."
        ),
    )
    def procuros_check_alerts(context: dg.SensorEvaluationContext):
        instance = context.instance
        targets = _channels(alerts, channels)  # a variable not set fails the tick, saying which
        state = json.loads(context.cursor) if context.cursor else {}
        positions = state.setdefault("channels", {})
        latest = None
        for channel in targets:  # a new channel (or a new cursor) starts at the runs finishing from now on
            if channel.name not in positions:
                latest = latest or {t.value: _latest_storage_id(instance, t) for t in FINISHED}
                positions[channel.name] = {"after": dict(latest), "sent": []}

        notes: list[str] = []
        errors: list[str] = []
        for channel in targets:
            mine = state["channels"][channel.name]
            sent = set(mine["sent"])
            delivered = 0
            for storage_id, event_type, run_id in _finished_runs(instance, job_names, mine["after"]):
                run = instance.get_run_by_id(run_id)
                try:
                    for evaluation in _failed_evaluations(instance, run_id, check_keys):
                        new = [p for p in check_problems(evaluation) if p.key not in sent]
                        if not new:
                            continue
                        channel.send(check_alert(
                            check_name=evaluation.check_name,
                            asset=evaluation.asset_key.to_user_string(),
                            partition=evaluation.partition or (run.tags.get("dagster/partition") if run else None),
                            run_id=run_id,
                            problems=new,
                            ui_url=alerts.dagster_ui_url,
                        ))
                        delivered += 1
                        sent.update(p.key for p in new)
                        mine["sent"] = (mine["sent"] + [p.key for p in new])[-REMEMBERED:]
                except DeliveryError as exc:
                    # this run is read again next tick; what this channel already got is not sent twice
                    errors.append(str(exc))
                    break
                mine["after"][event_type] = storage_id
            if delivered:
                notes.append(f"{delivered} alert(s) by {channel.name}")
        context.update_cursor(json.dumps(state))
        if errors:
            context.log.error("Alerts not delivered, tried again next tick: " + "; ".join(errors))
            return dg.SkipReason("Not delivered, tried again next tick: " + "; ".join(errors))
        return dg.SkipReason("Sent " + ", ".join(notes) if notes else "No new problems")

    return procuros_check_alerts


def build_alert_sensors(jobs: list, check_keys: Iterable, alerts: AlertSettings, *, channels=None) -> list:
    return [
        build_run_failure_sensor(jobs, alerts, channels=channels),
        build_check_alert_sensor([j.name for j in jobs], check_keys, alerts, channels=channels),
    ]
