"""Historical sync (backfill): Centra's customers and orders of a window, through the live decisions, marked historical.

A run pages through Centra one page per step. Each step decides with the same routing and mapping code as live
traffic (``engage_bridge.routing``, ``engage_bridge.mapping``), with ``historical=True``: contacts are written
through Engage's bulk contacts API, purchase and return receipts go to the receipt handler's queue, and the
e-mails and redemptions live traffic would send are recorded in the ledger as ``skipped`` / ``historical``
instead. The run's cursor, lock and counts live in one state-table record (``engage_bridge.backfill.run``);
every step ends by putting the next step's command on the backfill queue. docs/backfill.md explains how to run it.
"""
