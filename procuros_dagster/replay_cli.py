"""`procuros-dagster replay TRANSACTION_ID...`: the replay_orders job, run as `dagster job execute` runs it.

Same instance (DAGSTER_HOME, else a temporary one in the working directory), same in-process
execution, so the run shows in the Dagster UI with its logs and metadata.
"""

from __future__ import annotations

import sys

import dagster as dg
from dagster._cli.utils import get_possibly_temporary_instance_for_cli

from procuros_dagster.defs.build import UI_RUN_TAGS
from procuros_dagster.defs.replay import JOB, run_config


def replay_job() -> dg.JobDefinition:
    """The job with its resources, loaded from the code location (reconstructable by name)."""
    from procuros_dagster.definitions import defs

    return defs.resolve_job_def(JOB)


def main(transaction_ids: list[str], integration: str = "") -> int:
    with get_possibly_temporary_instance_for_cli("``procuros-dagster replay``") as instance:
        result = dg.execute_job(dg.reconstructable(replay_job), instance=instance,
                                run_config=run_config(transaction_ids, integration), tags={"procuros/replay": "cli", **UI_RUN_TAGS})
        print(f"replay_orders run {result.run_id}: {'succeeded' if result.success else 'failed'}")
        for event in result.get_step_failure_events():  # the reason, without the stack trace
            failure = event.step_failure_data
            reason = failure.user_failure_data.description if failure.user_failure_data else None
            print(f"{event.step_key}: {reason or failure.error.message.strip()}", file=sys.stderr)
    return 0 if result.success else 1
