"""``engage-bridge resend``: send one effect for one object again, through its handler.

See docs/runbook.md#resend-one-e-mail-receipt-or-contact.

"The customer never got the shipping e-mail for order 1234":

    engage-bridge resend order-email --stack STACK --order 1234 --status shipped --shipment 1

builds the handler's message from the order as Centra holds it now and puts it on the handler's queue, where
the handler sends it like any other. An e-mail the ledger says was sent is refused (exit 1) unless --force is
given with --reason; who forced it (the AWS identity) and why are written to the ledger, next to the e-mail's
row, and to the handler's log. Receipts and contact syncs are never refused: Engage ignores a receipt it holds,
and a contact sync writes what Centra holds now.

Exit status: 0 queued; 1 refused (already sent, not forced); 2 an operator error (no credentials, stack not
found, Centra unreachable, an object that does not exist).
"""

import argparse
import os
import sys
from typing import Any, TextIO

import boto3

from engage_bridge.centra.client import CentraClient, Token
from engage_bridge.centra.token import StoredCentraToken
from engage_bridge.state import DynamoStateStore
from engage_bridge_tools.command_line import OperatorError
from engage_bridge_tools.resend.request import QUEUE_OUTPUTS, Queued, Refused, Wanted, resend, stack_values

QUEUED, REFUSED = 0, 1


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "resend", help="send one e-mail, receipt or contact sync again, through its handler", description=__doc__
    )
    kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--stack", required=True, metavar="NAME", help="the deployed stack")
    common.add_argument("--force", action="store_true", help="send an e-mail the ledger says was sent")
    common.add_argument("--reason", default="", help="why (required with --force; recorded in the ledger)")
    email = kinds.add_parser("order-email", parents=[common], help="an order's e-mail for a status or shipment")
    email.add_argument("--order", type=int, required=True, metavar="NUMBER", help="the order number")
    email.add_argument("--status", required=True, choices=("created", "shipped", "cancelled", "returned"))
    email.add_argument("--shipment", type=int, metavar="ID", help="the shipment (with --status shipped)")
    email.add_argument("--return", dest="returned", type=int, metavar="ID", help="the return (with --status returned)")
    receipt = kinds.add_parser("receipt", parents=[common], help="a purchase receipt (shipment) or return receipt")
    receipt.add_argument("--order", type=int, required=True, metavar="NUMBER", help="the order number")
    delivery = receipt.add_mutually_exclusive_group(required=True)
    delivery.add_argument("--shipment", type=int, metavar="ID", help="purchase receipt of this shipment")
    delivery.add_argument("--return", dest="returned", type=int, metavar="ID", help="return receipt of this return")
    contact = kinds.add_parser("contact", parents=[common], help="a customer's contact sync")
    contact.add_argument("--customer", type=int, required=True, metavar="ID", help="the Centra customer id")
    parser.set_defaults(func=run)


def wanted_from(args: argparse.Namespace) -> Wanted:
    if args.force and not args.reason.strip():
        raise OperatorError("--force needs --reason: it is recorded in the ledger with who forced it")
    if args.kind == "contact":
        return Wanted("contact", customer=args.customer)
    if args.kind == "order-email":
        if (args.status == "shipped") != (args.shipment is not None):
            raise OperatorError("--shipment is required for, and only for, --status shipped")
        if (args.status == "returned") != (args.returned is not None):
            raise OperatorError("--return is required for, and only for, --status returned")
        return Wanted(
            "order-email", order=args.order, status=args.status, shipment=args.shipment, returned=args.returned
        )
    return Wanted("receipt", order=args.order, shipment=args.shipment, returned=args.returned)


def run(args: argparse.Namespace, out: TextIO | None = None, session: Any | None = None) -> int:
    out = out or sys.stderr
    wanted = wanted_from(args)
    session = session or boto3.session.Session()
    values = stack_values(session.client("cloudformation"), args.stack)
    missing = [name for name in ("StateTableName", "CentraGraphqlUrl", *QUEUE_OUTPUTS.values()) if not values.get(name)]
    if missing:
        raise OperatorError(f"stack {args.stack} has no {', '.join(missing)} (deploy a version with them)")
    queue_urls = {route: values[output] for route, output in QUEUE_OUTPUTS.items()}
    requested_by = session.client("sts").get_caller_identity()["Arn"]
    store = DynamoStateStore(session.client("dynamodb"), values["StateTableName"])
    with CentraClient(values["CentraGraphqlUrl"], _centra_token(values), user_agent="resend") as centra:
        result = resend(
            centra,
            store,
            session.client("sqs"),
            queue_urls,
            wanted,
            requested_by=requested_by,
            reason=args.reason.strip(),
            force=args.force,
        )
    return _report(result, out)


def _centra_token(values: dict[str, str]) -> Token:
    if token := os.environ.get("CENTRA_TOKEN"):
        return token
    if not values.get("CentraTokenSecretName"):
        raise OperatorError("no CENTRA_TOKEN in the environment and no CentraTokenSecretName on the stack")
    return StoredCentraToken(values["CentraTokenSecretName"])


def _report(result: Refused | Queued, out: TextIO) -> int:
    if isinstance(result, Refused):
        entry = result.entry
        print(
            f"refused: the ledger says {result.effect.subject} {result.effect.name} was sent "
            f"({entry.reason}, {entry.at}); --force --reason TEXT sends it again",
            file=out,
        )
        return REFUSED
    message = result.message
    row = f"; ledger row {result.ledger_row.subject} {result.ledger_row.name}" if result.ledger_row else ""
    print(f"queued {message.business_key} on the {result.route} queue{row}", file=out)
    return QUEUED
