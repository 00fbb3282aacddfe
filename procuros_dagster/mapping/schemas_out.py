"""pandera schemas for the outbound line frame (one row per line of a document we send).

The schema encodes the business rules the Procuros JSON schema cannot express: valid GTIN check
digits, units from the Procuros enum, non-negative quantities, no silent over-shipping and line
amounts that agree with quantity x unit price.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from .identifiers import is_valid_gtin
from .units import UNIT_CODES

AMOUNT_TOLERANCE = 0.01


def _shipped_within_ordered(df: pd.DataFrame) -> pd.Series:
    ordered, shipped = df["ordered_quantity"], df["shipped_quantity"]
    ok = ordered.isna() | shipped.isna() | (shipped <= ordered + 1e-6) | df["over_delivered"]
    return ok


def _net_matches_price(df: pd.DataFrame) -> pd.Series:
    price, net = df["unit_price"], df["net_amount"]
    # a line discount (an ALLOWANCE on the line) is what lies between the gross amount and the net
    expected = df["quantity"] * price - df["allowance_amount"].fillna(0.0)
    return price.isna() | net.isna() | ((net - expected).abs() <= AMOUNT_TOLERANCE + 1e-9)


OUTBOUND_LINES_SCHEMA = pa.DataFrameSchema(
    {
        "record_id": pa.Column("int64"),
        "document": pa.Column(str),
        "transaction_type": pa.Column(str, pa.Check.isin(["SHIPPING_NOTICE", "INVOICE", "CREDIT_NOTE", "ORDER"])),
        "line_number": pa.Column("int64", pa.Check.ge(1)),
        "gtin": pa.Column(str, pa.Check(lambda s: s.map(is_valid_gtin), element_wise=False,
                                        error="GTIN must have 8/12/13/14 digits and a valid check digit")),
        "unit": pa.Column(str, pa.Check.isin(UNIT_CODES)),
        "quantity": pa.Column("float64", pa.Check.ge(0)),
        "ordered_quantity": pa.Column("float64", pa.Check.ge(0), nullable=True),
        "shipped_quantity": pa.Column("float64", pa.Check.ge(0), nullable=True),
        "over_delivered": pa.Column(bool),
        "unit_price": pa.Column("float64", pa.Check.ge(0), nullable=True),
        "net_amount": pa.Column("float64", nullable=True),
        "tax_amount": pa.Column("float64", nullable=True),
        "allowance_amount": pa.Column("float64", nullable=True),
    },
    checks=[
        pa.Check(_shipped_within_ordered, error="shipped quantity exceeds ordered quantity (not an over-delivery)"),
        pa.Check(_net_matches_price, error="line net amount != quantity x unit price - line allowances (tolerance 0.01)"),
    ],
    unique=["record_id", "line_number"],
    strict=True,
    ordered=False,
    coerce=False,
)


def split_invalid_lines(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[int, list[str]]]:
    """Validate lazily; return (rows of fully valid documents, {record_id: [problems]})."""
    try:
        return OUTBOUND_LINES_SCHEMA.validate(df, lazy=True), {}
    except pa.errors.SchemaErrors as exc:
        problems: dict[int, list[str]] = {}
        cases = exc.failure_cases
        for case in cases.itertuples(index=False):
            idx = getattr(case, "index", None)
            if idx is None or pd.isna(idx) or int(idx) not in df.index:
                # a frame-level problem (dtype, missing column) is a programming error: surface it
                raise
            row = df.loc[int(idx)]
            if case.schema_context == "DataFrameSchema":
                msg = f"line {int(row['line_number'])}: {case.check}"
            else:
                check = _CHECK_TEXT.get(case.column, str(case.check))
                msg = f"line {int(row['line_number'])}: {case.column} {case.failure_case!r} {check}"
            lst = problems.setdefault(int(row["record_id"]), [])
            if msg not in lst:
                lst.append(msg)
        problems = {k: sorted(v) for k, v in sorted(problems.items())}
        bad = df["record_id"].isin(list(problems))
        return df[~bad].reset_index(drop=True), problems


_CHECK_TEXT = {
    "gtin": "is not a valid GTIN (8/12/13/14 digits with a GS1 check digit)",
    "unit": "is not a Procuros unit code",
    "quantity": "must not be negative",
    "ordered_quantity": "must not be negative",
    "shipped_quantity": "must not be negative",
    "unit_price": "must not be negative",
}
