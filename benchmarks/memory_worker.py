"""Runs the import job once in this (fresh) process and prints its memory figures as JSON.

Started by benchmarks.memory with the connector's env pointing at sandboxes that live in the
parent process, so the sandboxes' own memory is not counted here.
Usage: python -m benchmarks.memory_worker PARTITION DAGSTER_HOME [--tracemalloc]
"""

from __future__ import annotations

import json
import resource
import sys
import time
import tracemalloc


def _rss_mib() -> float:
    """Peak RSS of this process image: VmHWM (ru_maxrss would carry over the parent's peak
    across fork + exec on Linux, which made the first figures meaningless)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def main(argv: list[str]) -> int:
    partition, home = argv[0], argv[1]
    trace = "--tracemalloc" in argv
    from pathlib import Path

    import dagster as dg

    from benchmarks.common import QUIET_LOGS
    from procuros_dagster.defs.build import build_definitions
    from procuros_dagster.settings import load_settings

    defs = build_definitions(load_settings())
    job = defs.resolve_job_def("import_sales_orders")
    Path(home).mkdir(parents=True, exist_ok=True)
    with dg.instance_for_test(temp_dir=home) as instance:
        baseline = _rss_mib()
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        result = job.execute_in_process(partition_key=partition, instance=instance, run_config=QUIET_LOGS,
                                        raise_on_error=False)
        seconds = time.perf_counter() - started
        traced_peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    print(json.dumps({
        "success": result.success,
        "seconds": seconds,
        "rss_before_mib": baseline,
        "peak_rss_mib": _rss_mib(),
        "traced_peak_mib": traced_peak,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
