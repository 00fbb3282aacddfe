"""Alert texts: what failed, for which day and document, why, and where to look in the Dagster UI."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from procuros_dagster.alerts.channels import Alert

SUBJECT_PREFIX = "Procuros connector"
MAX_LISTED = 50  # problems spelled out in one alert; the check in the UI lists them all
MAX_REASON = 2000


@dataclass(frozen=True)
class Problem:
    """One thing an operator may have to act on, e.g. one rejected order and its reason."""

    key: str  # stable: the same problem seen again (another run, another tick) has the same key
    text: str
    label: str = ""  # the document, short, for the subject: "PO-4711", "INV/2026/00012"


def problem_key(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:16]


def run_link(run_id: str, ui_url: str | None) -> str:
    if ui_url:
        return f"{ui_url}/runs/{run_id}"
    return f"Dagster UI → Runs → {run_id}"


def _day(partition: str | None) -> str:
    return f" for {partition}" if partition else ""


# what to look at first, by the error's class
ERROR_HINTS = {
    "ProcurosAuthError": "Procuros refused the API token: check PROCUROS_API_TOKEN (and PROCUROS_API_URL: staging or production).",
    "ProcurosTransportError": "Procuros could not be reached: check the network; the next run retries.",
    "ProcurosServerError": "Procuros answered with a server error: the next run retries; if it persists, ask Procuros support.",
    "ProcurosRateLimited": "Procuros limited the request rate: the next run retries.",
    "OdooAuthError": "Odoo refused the login: check ODOO_USERNAME and ODOO_PASSWORD (password or API key).",
    "OdooConnectionError": "Odoo could not be reached: check ODOO_URL and the network; the next run retries.",
    "OdooDatabaseError": "Odoo does not know the database: check ODOO_DB.",
    "OdooAccessError": "The connector's Odoo user lacks a right: see the reason for the remedy.",
    "SetupMissingError": "Run the setup: the setup_odoo job or procuros-dagster setup-odoo.",
    "ConfigError": "The connector's configuration is incomplete or invalid: see the reason.",
    "SettingsError": "The settings file is invalid: see the reason.",
}


def error_text(cls_name: str, message: str) -> str:
    """'ProcurosAuthError: GET … 401' from a message that may repeat the class's module path."""
    first, sep, rest = message.partition(": ")
    if sep and first.rpartition(".")[2] == cls_name:
        message = rest
    return f"{cls_name}: {message.strip()}"


def run_failure_alert(
    *, key: str, job: str, run_id: str, partition: str | None, step: str | None, error: str, ui_url: str | None
) -> Alert:
    where = f" in step {step}" if step else ""
    reason = error if len(error) <= MAX_REASON else error[:MAX_REASON] + " …"
    hint = ERROR_HINTS.get(error.partition(":")[0])
    text = (
        f"The run of {job}{_day(partition)} failed{where}.\n\n"
        f"Reason: {reason}\n\n"
        + (f"{hint}\n\n" if hint else "")
        + f"Run: {run_link(run_id, ui_url)}\n\n"
        f"You are told once per problem: later failures of {job} with the same error are not "
        f"reported again until a run of {job} succeeds."
    )
    return Alert(subject=f"{SUBJECT_PREFIX}: {job}{_day(partition)} failed", text=text, key=key)


# what an operator can do about each kind of check failure
CHECK_HINTS = {
    "orders_resolve_cleanly": (
        "order(s) rejected",
        "The buyer was told the reason through Procuros. Fix the data in Odoo (GLN on the contact's "
        "Reference, product barcodes, Procuros Unit Type on units) and ask the buyer to send the "
        "order again, or backfill that day once it is fixed.",
    ),
    "order_writes_well_formed": (
        "order(s) with malformed values",
        "The connector built values Odoo would refuse; nothing was written for the orders listed. "
        "This is a fault of the connector: report it with the run link.",
    ),
    "orders_acknowledged": (
        "order(s) left unacknowledged at Procuros",
        "They stay in the Procuros queue and the next import run takes them again.",
    ),
    "delivered": (
        "document(s) not sent",
        "They were reported to Procuros and stay eligible: fix them in Odoo and the next run sends them.",
    ),
    "totals_add_up": (
        "document(s) whose lines do not add up to their totals",
        "Compare the lines and taxes with the totals of the documents in Odoo.",
    ),
}


def hint_for(check_name: str) -> tuple[str, str]:
    if check_name in CHECK_HINTS:
        return CHECK_HINTS[check_name]
    for suffix in ("delivered", "totals_add_up"):
        if check_name.endswith("_" + suffix):
            return CHECK_HINTS[suffix]
    return "problem(s)", "See the check in the Dagster UI."


def check_alert(
    *, check_name: str, asset: str, partition: str | None, run_id: str, problems: list[Problem], ui_url: str | None
) -> Alert:
    what, hint = hint_for(check_name)
    listed = [f"- {p.text}" for p in problems[:MAX_LISTED]]
    if len(problems) > MAX_LISTED:
        listed.append(f"… and {len(problems) - MAX_LISTED} more: see the check in the Dagster UI.")
    labels = ", ".join(p.label for p in problems[:3] if p.label) + (", …" if len(problems) > 3 else "")
    subject = f"{SUBJECT_PREFIX}: {len(problems)} {what}{_day(partition)}" + (f": {labels}" if labels else "")
    text = (
        f"The asset check {check_name} on {asset}{_day(partition)} found {len(problems)} new {what}:\n\n"
        + "\n".join(listed)
        + f"\n\n{hint}\n\nRun: {run_link(run_id, ui_url)}\n\n"
        "You are told once per problem: the same document with the same reason is not reported again."
    )
    return Alert(subject=subject, text=text, key=problem_key(check_name, run_id, *(p.key for p in problems)))
