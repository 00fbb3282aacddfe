"""Turn frames into Dagster metadata tables that read well in the UI."""

from __future__ import annotations

import math
from typing import Any

import dagster as dg
import pandas as pd

MAX_ROWS = 200  # the UI stays responsive; the full data is in the asset's output


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (bool, int, float, str)):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


def _column_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_float_dtype(series):
        return "float"
    return "string"


def table(frame: pd.DataFrame, columns: list[str] | None = None) -> dg.TableMetadataValue:
    if columns is not None:
        frame = frame[[c for c in columns if c in frame.columns]]
    schema = dg.TableSchema(
        columns=[dg.TableColumn(str(name), _column_type(frame[name])) for name in frame.columns]
    )
    records = [
        dg.TableRecord({str(k): _cell(v) for k, v in row.items()})
        for row in frame.head(MAX_ROWS).to_dict(orient="records")
    ]
    return dg.MetadataValue.table(records, schema=schema)


def records_table(rows: list[dict], columns: list[str]) -> dg.TableMetadataValue:
    return table(pd.DataFrame(rows, columns=columns))


def convert(metadata: dict) -> dict:
    """A flow stage's metadata for Dagster: its frames become tables, the rest stays as it is."""
    return {k: table(v) if isinstance(v, pd.DataFrame) else v for k, v in metadata.items()}
