"""The router's environment: its Centra connection and the handler queues it routes to.

Its own module, not ``wiring``, so the Engage handlers (which import ``wiring``) do not define it at cold start
(issue 18).
"""

from pydantic import Field, model_validator

from engage_bridge.environment import ConsumerEnvironment, FeatureSwitchesEnvironment
from engage_bridge.secrets import SecretReference


class RouterEnvironment(ConsumerEnvironment, FeatureSwitchesEnvironment):
    centra_graphql_url: str = Field(alias="CENTRA_GRAPHQL_URL", pattern=r"^https?://")
    centra_token_secret: SecretReference = Field(alias="CENTRA_TOKEN_SECRET", min_length=1)
    contact_upsert_queue_url: str = Field(alias="CONTACT_UPSERT_QUEUE_URL", min_length=1)
    order_status_queue_url: str = Field(alias="ORDER_STATUS_QUEUE_URL", min_length=1)
    receipt_push_queue_url: str = Field(alias="RECEIPT_PUSH_QUEUE_URL", min_length=1)
    promotion_redemption_queue_url: str = Field(alias="PROMOTION_REDEMPTION_QUEUE_URL", min_length=1)
    stock_relay_queue_url: str | None = Field(alias="STOCK_RELAY_QUEUE_URL", default=None, min_length=1)

    @model_validator(mode="after")
    def _relay_deployed_has_its_queue(self) -> "RouterEnvironment":
        if self.stock_relay_deployed and not self.stock_relay_queue_url:
            raise ValueError("STOCK_RELAY_QUEUE_URL is required while STOCK_RELAY_DEPLOYED is true")
        return self
