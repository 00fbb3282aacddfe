"""`procuros-dagster replay TRANSACTION_ID...`: the replay_orders job, run in this process.

Same instance as the UI (DAGSTER_HOME, else a temporary one in the working directory); the run is
created on the code location's job, so it shows on the job's page and the Overview timeline with
its logs and metadata.
"""

from __future__ import annotations

import sys

import dagster as dg
from dagster._cli.utils import get_possibly_temporary_instance_for_cli

from procuros_dagster.defs.launch import run_on_code_location
from procuros_dagster.defs.replay import JOB, run_config


def main(transaction_ids: list[str], integration: str = "") -> int:
    from procuros_dagster.definitions import defs  # the code location's definitions

    with get_possibly_temporary_instance_for_cli("``procuros-dagster replay``") as instance:
        run = run_on_code_location(defs, JOB, instance, run_config=run_config(transaction_ids, integration),
                                   tags={"procuros/replay": "cli"})
        success = run.status == dg.DagsterRunStatus.SUCCESS
        print(f"replay_orders run {run.run_id}: {'succeeded' if success else 'failed'}")
        for record in instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE).records:
            event = record.event_log_entry.dagster_event  # the reason, without the stack trace
            failure = event.step_failure_data
            reason = failure.user_failure_data.description if failure.user_failure_data else None
            print(f"{event.step_key}: {reason or failure.error.message.strip()}", file=sys.stderr)
    return 0 if success else 1
