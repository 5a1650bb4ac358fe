"""An Engage handler's variables: a consumer's, the Engage budget's, and its own queue."""

from pydantic import Field

from engage_bridge.environment.budget import EngageBudgetEnvironment
from engage_bridge.environment.consumer import ConsumerEnvironment


class HandlerEnvironment(ConsumerEnvironment, EngageBudgetEnvironment):
    """An Engage handler's variables: the stack's Engage budget and its place in it, the API key's secret, its queue."""

    source_queue_url: str = Field(alias="SOURCE_QUEUE_URL", min_length=1)
