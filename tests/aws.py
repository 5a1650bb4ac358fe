"""AWS resources for tests, created in moto from the definitions in template.yaml (never a copy of them)."""

from pathlib import Path
from typing import Any

from samtranslator.yaml_helper import yaml_parse

TEMPLATE = Path(__file__).resolve().parents[1] / "template.yaml"


def template_resource(logical_id: str) -> dict[str, Any]:
    resources: dict[str, Any] = yaml_parse(TEMPLATE.read_text(encoding="utf-8"))["Resources"]
    resource: dict[str, Any] = resources[logical_id]
    return resource


def create_state_table(dynamodb: Any, table_name: str = "state") -> str:
    """Create the stack's state table (keys, billing, TTL attribute as the template declares them)."""
    properties = template_resource("StateTable")["Properties"]
    dynamodb.create_table(
        TableName=table_name,
        AttributeDefinitions=properties["AttributeDefinitions"],
        KeySchema=properties["KeySchema"],
        BillingMode=properties["BillingMode"],
    )
    dynamodb.update_time_to_live(TableName=table_name, TimeToLiveSpecification=properties["TimeToLiveSpecification"])
    return table_name


class Clock:
    """A clock a test sets by hand (``clock.now += 60``), for stores that take ``now`` as a callable."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now
