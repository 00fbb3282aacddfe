"""The one GLN check (mapping/identifiers.py), as settings, the mapping and the doctor use it."""

import pytest

from procuros_dagster import doctor, settings
from procuros_dagster.mapping import parties
from procuros_dagster.mapping.identifiers import gln_problem, is_valid_gln

GLN = "4098765000010"


@pytest.mark.parametrize("value, problem", [
    (GLN, None),
    ("4000001000005", None),
    (" 4098765000010", "' 4098765000010' has spaces around it"),
    ("4098765000010\n", "'4098765000010\n' has spaces around it"),
    ("409876500001a", "'409876500001a' is not a GLN: a GLN has 13 digits only"),
    ("٤٠٩٨٧٦٥٠٠٠٠١٠", "'٤٠٩٨٧٦٥٠٠٠٠١٠' is not a GLN: a GLN has 13 digits only"),  # Arabic-Indic digits
    ("", "'' is not a GLN: a GLN has 13 digits only"),
    ("409876500001", "'409876500001' is not a GLN: it has 12 digits, a GLN has 13"),
    ("40987650000100", "'40987650000100' is not a GLN: it has 14 digits, a GLN has 13"),
    ("4098765000011", "'4098765000011' has a wrong check digit (1; the GS1 check digit is 0)"),
])  # fmt: skip
def test_gln_problem_says_what_is_wrong(value, problem):
    assert gln_problem(value) == problem
    assert is_valid_gln(value) is (problem is None)


@pytest.mark.parametrize("value", [None, False, 4098765000010, b"4098765000010"])
def test_what_is_not_text_is_no_gln(value):
    assert is_valid_gln(value) is False


def test_every_layer_uses_the_one_check():
    assert settings.is_valid_gln is is_valid_gln
    assert parties.is_valid_gln is is_valid_gln
    assert doctor.gln_problem is gln_problem
