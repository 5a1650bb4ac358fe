"""The names ``template.yaml`` gives a function's place in the stack's Engage budget (``ENGAGE_PRIORITY``).

Apart from ``engage.budget`` (its ``Priority`` has a member of each name), so that checking a function's
environment does not load the budget into the functions that send nothing to Engage (issue 18, cold start).
"""

from typing import Literal

PriorityName = Literal["transactional", "customer", "stock", "backfill"]
