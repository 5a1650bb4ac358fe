"""A function that sends to Engage: the stack's budget and the function's place in it."""

from pydantic import Field

from engage_bridge.budget_priority import PriorityName
from engage_bridge.environment.function import FunctionEnvironment
from engage_bridge.secrets import SecretReference


class EngageBudgetEnvironment(FunctionEnvironment):
    """A function that sends to Engage: the stack's budget, its place in it, and the table the budget is leased from."""

    state_table_name: str = Field(alias="STATE_TABLE_NAME", min_length=1)
    engage_api_key_secret: SecretReference = Field(alias="ENGAGE_API_KEY_SECRET", min_length=1)
    engage_requests_per_second: float = Field(alias="ENGAGE_REQUESTS_PER_SECOND", ge=2, le=50)
    engage_priority: PriorityName = Field(alias="ENGAGE_PRIORITY")
