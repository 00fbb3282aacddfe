"""The Procuros units of measure: the one list every layer imports.

The codes are the ``UnitOfMeasure`` enum of the vendored Procuros OpenAPI document
(``components.schemas.UnitOfMeasure``, checked by tests/mapping/test_units.py), in its order; each
with its UN/CEFACT meaning, which Odoo shows as the label of the *Procuros Unit Type* field.
"""

from __future__ import annotations

import math

UNIT_NAMES: dict[str, str] = {
    "EA": "each", "GRM": "gram", "HUR": "hour", "KGM": "kilogram", "LTR": "litre",
    "MLT": "millilitre", "MTK": "square metre", "MTR": "metre", "PCK": "pack", "SET": "set",
    "CS": "case", "CA": "can", "DAY": "day", "WEE": "week", "MON": "month", "CT": "carton",
    "CQ": "cartridge", "CU": "cup", "BJ": "bucket", "BO": "bottle", "MTQ": "cubic metre",
    "PF": "pallet", "BG": "bag", "RO": "roll", "TNE": "tonne", "BE": "bundle", "CMT": "centimetre",
    "KMT": "kilometre", "PR": "pair", "TU": "tube",
}  # fmt: skip

UNIT_CODES: tuple[str, ...] = tuple(UNIT_NAMES)

# (code, "CODE - meaning") pairs, as an Odoo selection field takes them
UNIT_SELECTION: tuple[tuple[str, str], ...] = tuple((code, f"{code} - {name}") for code, name in UNIT_NAMES.items())


# --- converting between Odoo units (uom.uom records: id, factor, rounding, x_procuros_unit_code) ---

def _round(qty: float, rounding: float) -> float:
    """HALF-UP to the unit's rounding, as Odoo rounds a converted quantity."""
    if not rounding:
        return qty
    return round(math.floor(qty / rounding + 0.5 + 1e-9) * rounding, 10)


def convert(qty: float, from_uom: dict, to_uom: dict) -> float:
    """uom.uom._compute_quantity: qty / from.factor * to.factor (Dozens: factor 1/12)."""
    if from_uom["id"] == to_uom["id"]:
        return qty
    return _round(qty / from_uom["factor"] * to_uom["factor"], to_uom.get("rounding") or 0.0)


def uom_for_code(code: str, uoms: dict[int, dict], overrides: dict[str, int]) -> dict | None:
    """The Odoo unit a Procuros code stands for: the settings' mapping first, else the unit
    carrying the code (the lowest id when several do)."""
    if code in overrides:
        return uoms.get(overrides[code])
    found = [u for u in uoms.values() if u.get("x_procuros_unit_code") == code]
    return sorted(found, key=lambda u: u["id"])[0] if found else None
