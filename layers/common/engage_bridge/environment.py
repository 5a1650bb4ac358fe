"""The variables every function of the stack is given, checked once at cold start.

A missing or malformed variable raises ``ConfigError`` naming it, before anything is processed.
"""

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engage_bridge.budget_priority import PriorityName
from engage_bridge.errors import ConfigError
from engage_bridge.observability import bind
from engage_bridge.secrets import SecretReference


class FunctionEnvironment(BaseModel):
    """What ``template.yaml`` gives every function: who it is, for metrics and logs."""

    # defer_build: built when a function parses its own variables, not for every base class on the way.
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    service: str = Field(alias="POWERTOOLS_SERVICE_NAME", min_length=1)
    metrics_namespace: str = Field(alias="POWERTOOLS_METRICS_NAMESPACE", min_length=1)
    environment_name: str = Field(alias="ENVIRONMENT_NAME", min_length=1)

    def bind_observability(self) -> None:
        bind(service=self.service, namespace=self.metrics_namespace, environment=self.environment_name)


class EngageBudgetEnvironment(FunctionEnvironment):
    """A function that sends to Engage: the stack's budget, its place in it, and the table the budget is leased from."""

    state_table_name: str = Field(alias="STATE_TABLE_NAME", min_length=1)
    engage_api_key_secret: SecretReference = Field(alias="ENGAGE_API_KEY_SECRET", min_length=1)
    engage_requests_per_second: float = Field(alias="ENGAGE_REQUESTS_PER_SECOND", ge=2, le=50)
    engage_priority: PriorityName = Field(alias="ENGAGE_PRIORITY")


class FeatureSwitchesEnvironment(FunctionEnvironment):
    """The template's feature switches (parameters ``StockRelay``, ``ProductFeed``) for a function that routes or
    listens for a feature's work: off, that work is skipped rather than sent to a queue or function not deployed."""

    stock_relay_deployed: bool = Field(alias="STOCK_RELAY_DEPLOYED", default=True)
    product_feed_deployed: bool = Field(alias="PRODUCT_FEED_DEPLOYED", default=True)


class ConsumerEnvironment(FunctionEnvironment):
    """What every SQS consumer in ``template.yaml`` is given."""

    state_table_name: str = Field(alias="STATE_TABLE_NAME", min_length=1)
    dead_letter_queue_url: str = Field(alias="DEAD_LETTER_QUEUE_URL", min_length=1)
    max_receive_count: int = Field(alias="MAX_RECEIVE_COUNT", ge=1)  # the source queue's, from its RedrivePolicy


class HandlerEnvironment(ConsumerEnvironment, EngageBudgetEnvironment):
    """An Engage handler's variables: the stack's Engage budget and its place in it, the API key's secret, its queue."""

    source_queue_url: str = Field(alias="SOURCE_QUEUE_URL", min_length=1)


def parse_environment[E: BaseModel](model: type[E], environ: Mapping[str, str]) -> E:
    try:
        return model.model_validate(dict(environ))
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False)[0]
        # A check across variables (a model validator) has no location: its message names them.
        field = str(first["loc"][0]) if first["loc"] else "environment"
        raise ConfigError(field, first["msg"]) from None
