"""What ``template.yaml`` says about the functions: code folder, handler and environment.

Read with aws-sam-translator's YAML loader (it understands ``!Ref``, ``!GetAtt`` and ``!Sub``), so adding a
function to the template is all it takes for local tooling to know it.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from samtranslator.yaml_helper import yaml_parse

REPO = Path(__file__).resolve().parents[3]
TEMPLATE = REPO / "template.yaml"


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    logical_id: str
    code_dir: Path
    module: str
    attribute: str
    environment: dict[str, Any]  # literal strings, or the template's intrinsic (e.g. {"Ref": "StateTable"})
    event_types: frozenset[str]  # how it is invoked: "SQS", "HttpApi", "Schedule", "FunctionUrl"

    @property
    def name(self) -> str:
        return self.code_dir.name


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    parsed: dict[str, Any] = yaml_parse(path.read_text(encoding="utf-8"))
    return parsed


def functions(template: dict[str, Any] | None = None, root: Path = REPO) -> dict[str, FunctionSpec]:
    """Every ``AWS::Serverless::Function``, keyed by its code folder's name (``order_status``)."""
    sam = template if template is not None else load_template()
    global_env = sam.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    specs = {}
    for logical_id, resource in sam["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        properties = resource["Properties"]
        module, attribute = properties["Handler"].rsplit(".", 1)
        own_env = properties.get("Environment", {}).get("Variables", {})
        events = frozenset(event["Type"] for event in properties.get("Events", {}).values()) | (
            {"FunctionUrl"} if "FunctionUrlConfig" in properties else frozenset()
        )
        spec = FunctionSpec(
            logical_id, root / properties["CodeUri"], module, attribute, {**global_env, **own_env}, events
        )
        specs[spec.name] = spec
    return specs


def resolve_environment(spec: FunctionSpec, local: dict[str, str]) -> dict[str, str]:
    """The function's variables with every template reference replaced by a local value.

    Literal values are kept as the template has them, and a feature switch between two literals (``!If`` on a
    feature's Condition) takes its "on" value, as the local stack runs every feature; a reference without a local
    value is an error naming it, so a variable added to the template cannot silently go missing locally.
    """
    resolved = {}
    for name, value in spec.environment.items():
        on = feature_on(value)
        if isinstance(value, str):
            resolved[name] = value
        elif isinstance(on, str) and name not in local:
            resolved[name] = on
        elif name in local:
            resolved[name] = local[name]
        else:
            raise KeyError(f"{spec.logical_id}: no local value for {name} = {value!r}")
    return resolved


def feature_on(value: Any) -> Any:
    """The "on" branch of a feature switch (``{"Fn::If": [condition, on, off]}``), None for any other value.

    Local runs (the stack, the demo, the bench) run every feature, so a switch takes its "on" branch.
    """
    branches = value.get("Fn::If") if isinstance(value, dict) else None
    return branches[1] if isinstance(branches, list) and len(branches) == 3 else None
