"""Durable landing of raw Procuros payloads.

Procuros drops a transaction from its queue once it is acknowledged, success or not, so every raw
payload is written to disk (and fsynced) before anything is acknowledged. One JSON Lines file per
run and partition, next to the Dagster instance's storage, never overwritten: a rejected order
can always be read back, fixed and replayed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path


def landing_root(storage_directory: str, integration=None) -> Path:
    """$PROCUROS_DAGSTER_LANDING_DIR, else next to the instance's storage; one folder per named integration."""
    root = Path(os.environ.get("PROCUROS_DAGSTER_LANDING_DIR") or Path(storage_directory) / "procuros_landing")
    return root / integration.prefix if integration is not None and integration.prefix else root


def _line(item: object) -> str:
    line = json.dumps(item, ensure_ascii=False, sort_keys=True)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates (bytes that were not UTF-8): kept as escapes
        line = json.dumps(item, ensure_ascii=True, sort_keys=True)
    return line


def land(root: Path, document_type: str, partition: str, run_id: str, raw: Iterable[dict]) -> tuple[Path, int]:
    folder = root / document_type.lower() / partition
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{run_id}.jsonl"
    count = 0
    with open(path, "a", encoding="utf-8") as fh:
        for item in raw:
            fh.write(_line(item) + "\n")
            count += 1
        fh.flush()
        os.fsync(fh.fileno())
    return path, count
