"""The Procuros units of measure: the one list every layer imports.

The codes are the ``UnitOfMeasure`` enum of the vendored Procuros OpenAPI document
(``components.schemas.UnitOfMeasure``, checked by tests/mapping/test_units.py), in its order; each
with its UN/CEFACT meaning, which Odoo shows as the label of the *Procuros Unit Type* field.
"""

from __future__ import annotations

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
