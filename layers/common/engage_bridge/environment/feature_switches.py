"""The template's feature switches, for the functions that route or listen for a feature's work."""

from pydantic import Field

from engage_bridge.environment.function import FunctionEnvironment


class FeatureSwitchesEnvironment(FunctionEnvironment):
    """The template's feature switches (parameters ``StockRelay``, ``ProductFeed``) for a function that routes or
    listens for a feature's work: off, that work is skipped rather than sent to a queue or function not deployed."""

    stock_relay_deployed: bool = Field(alias="STOCK_RELAY_DEPLOYED", default=True)
    product_feed_deployed: bool = Field(alias="PRODUCT_FEED_DEPLOYED", default=True)
