"""A fresh Odoo sandbox per test, its clock on the recording day, and an admin session on it."""
from __future__ import annotations

import pytest

from procuros_dagster.sandbox.odoo import OdooSandbox
from procuros_dagster.sandbox.odoo.clock import Clock

from .rpc import RECORDED, connect


@pytest.fixture()
def sb():
    with OdooSandbox(clock=Clock(frozen=RECORDED)) as sandbox:
        yield sandbox


@pytest.fixture()
def odoo(sb):
    return connect(sb)


@pytest.fixture()
def admin(odoo):
    return odoo
