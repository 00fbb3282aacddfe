"""`procuros-dagster`: the demo, Odoo setup, the doctor and the sandboxes from the command line."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="procuros-dagster", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="run order-to-cash end to end against local sandboxes")
    demo.add_argument("--ui", action="store_true", help="then open the Dagster UI on the same runs")
    demo.add_argument("--odoo-port", type=int, default=0)
    demo.add_argument("--procuros-port", type=int, default=0)

    setup = commands.add_parser("setup-odoo", help="provision the connector's fields, views and user rights in Odoo "
                                                  "(ODOO_* variables of an administrator)")
    setup.add_argument("--connector-user", metavar="LOGIN",
                       help="the Odoo user the flows run as: gets the 'Procuros connector' group")

    replay = commands.add_parser("replay", help="process Procuros ORDER transactions again, by id (the replay_orders "
                                                "job, recorded in the Dagster instance like any run)")
    replay.add_argument("transaction_ids", nargs="+", metavar="TRANSACTION_ID",
                        help="a Procuros transaction id of an ORDER, as Procuros shows it")
    replay.add_argument("--integration", default="", metavar="KEY",
                        help="the integration the orders came through (its key in the settings file); "
                             "needed only with several integrations")
    commands.add_parser("doctor", help="check the settings, Procuros, Odoo and its master data; say what to fix "
                                       "(exit 1 when something is wrong)")

    args = parser.parse_args(argv)
    if args.command == "demo":
        from procuros_dagster.demo import main as demo_main

        return demo_main(ui=args.ui, odoo_port=args.odoo_port, procuros_port=args.procuros_port)
    if args.command == "setup-odoo":
        from procuros_dagster.odoo.setup import main as setup_main

        return setup_main(["--connector-user", args.connector_user] if args.connector_user else []) or 0
    if args.command == "replay":
        from procuros_dagster.replay_cli import main as replay_main

        return replay_main(args.transaction_ids, args.integration)
    if args.command == "doctor":
        from procuros_dagster.doctor import main as doctor_main

        return doctor_main()
    return 2


if __name__ == "__main__":
    sys.exit(main())
