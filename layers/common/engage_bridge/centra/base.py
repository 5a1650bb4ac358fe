"""The base of every Centra model, and the two references a stock level names: a stock relay or back-in-stock
function defines these and not the order and customer building blocks in ``common`` (issue 18, cold start).

Models mirror the JSON of Centra's Integration API (GraphQL): camelCase keys; unknown keys are ignored, so a query
that selects more than we read still parses.
"""

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class CentraModel(BaseModel):
    # defer_build: a model's validator is built when it first validates, so a function never pays for the
    # Centra types it does not read (bench cold_import).
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        frozen=True,
        str_strip_whitespace=True,
        defer_build=True,
    )


class Market(CentraModel):
    id: int | str | None = None
    name: str | None = None


# A product size as order lines and stock levels name it.
class ProductSize(CentraModel):
    sku: str | None = Field(default=None, alias="SKU")
    ean: str | None = Field(default=None, alias="EAN")
