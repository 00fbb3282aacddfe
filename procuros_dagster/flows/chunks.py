"""Asset values too big to hold at once: stored as numbered chunks, read back one at a time.

A partition can hold tens of thousands of orders. Each import stage reads its input one chunk at
a time and writes its output the same way, so memory stays flat however large the day is; the
asset's own value is only a small handle pointing at the chunk folder (run-scoped, so a
re-execution of a later step still finds the upstream chunks of the earlier run).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Chunks(Generic[T]):
    folder: str
    count: int
    items: int  # total records across chunks, for metadata

    def __iter__(self) -> Iterator[T]:
        for index in range(self.count):
            with open(Path(self.folder) / f"{index:06d}.pkl", "rb") as fh:
                yield pickle.load(fh)

    def __len__(self) -> int:
        return self.count


class ChunkWriter(Generic[T]):
    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.pkl"):  # a retried step starts its output afresh
            stale.unlink()
        self.folder = folder
        self.count = 0
        self.items = 0

    def write(self, value: T, items: int) -> None:
        with open(self.folder / f"{self.count:06d}.pkl", "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        self.count += 1
        self.items += items

    def close(self) -> Chunks[T]:
        return Chunks(str(self.folder), self.count, self.items)


def chunk_folder(storage_directory: str, run_id: str, asset: str, partition: str) -> Path:
    return Path(storage_directory) / "procuros_chunks" / asset / partition / run_id


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
