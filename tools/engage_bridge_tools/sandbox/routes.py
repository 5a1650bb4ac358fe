"""Which handler answers which operation of Engage's contract (``contract/engage/openapi.yaml``).

Paths and methods come from the contract alone: an operation missing here is a startup error, a path missing
from the contract is a 404, whatever the bridge believes.
"""

from collections.abc import Callable

from engage_bridge_tools.sandbox import contacts, inventory, promotions, transactions
from engage_bridge_tools.sandbox.contract import Contract, Operation
from engage_bridge_tools.sandbox.protocol import Reply, Request, error, invalid
from engage_bridge_tools.sandbox.state import SandboxState

Handler = Callable[[SandboxState, Request], Reply]
Issues = list[dict[str, str]]

# createContact is not here: it is answered in two steps around its key (app.SandboxApp._create_contact).
HANDLERS: dict[str, Handler] = {
    "lookupContactId": contacts.lookup,
    "getContact": contacts.get,
    "updateContact": contacts.patch,
    "deleteContact": contacts.delete,
    "updateContactType": contacts.change_type,
    "getContactTransactions": contacts.transactions,
    "getChangedContactIds": contacts.changes,
    "getContactOverview": contacts.overview,
    "listConsents": contacts.consents,
    "createContactsInBulk": contacts.bulk,
    "updateContactsInBulk": contacts.bulk,
    "getBulkStatus": contacts.bulk_status,
    "registerOrder": transactions.post_order,
    "registerReceipt": transactions.post_receipt,
    "redeemPromotion": promotions.redeem,
    "updateStockLevels": inventory.put_levels,
    "updateStockLevel": inventory.put_level,
    "createBackInStockSubscription": inventory.subscribe,
    "listBackInStockSubscriptions": inventory.contact_subscriptions,
    "deleteBackInStockSubscription": inventory.unsubscribe,
}
CREATE_CONTACT = "createContact"

_MESSAGES = {
    "registerOrder": "Order is not valid",
    "registerReceipt": "Receipt is not valid",
    "createContact": "Contact is not valid",
    "updateContact": "Contact is not valid",
    "createContactsInBulk": "Batch is not valid",
    "updateContactsInBulk": "Batch is not valid",
    "updateStockLevels": "Stock levels are not valid",
    "updateStockLevel": "Stock level is not valid",
    "createBackInStockSubscription": "Subscription is not valid",
}


def check(contract: Contract) -> None:
    """Fail at start when the contract and the handlers disagree."""
    named = {operation.operation_id for operation in contract.operations}
    served = {*HANDLERS, CREATE_CONTACT}
    if named != served:
        unserved, unknown = sorted(named - served), sorted(served - named)
        raise RuntimeError(f"contract and sandbox disagree: unserved {unserved}, unknown {unknown}")


def rejected(operation: Operation, problems: Issues) -> Reply:
    """A request that misses the contract, in the shape the evidence shows for that operation."""
    if operation.operation_id == "redeemPromotion":  # Voyado, redeem a promotion: a coded 400
        return error(400, "NotAValidRedemptionChannel", "redemptionChannel must be ECOM, POS or OTHER.")
    if operation.operation_id == "lookupContactId" or not operation.body_pointer:
        return error(400, "InvalidSearchQuery", "; ".join(p["errorDescription"] for p in problems))
    return invalid(operation.invalid_status, _MESSAGES.get(operation.operation_id, "Request is not valid"), problems)
