"""Cost per million orders on AWS, from what the end-to-end run counted and the project's dated price table.

Counted in the run (``end_to_end``): invocations and billed milliseconds per function, every AWS API call by
``service:operation``, the bytes the functions logged. Taken from ``template.yaml`` as the default deployment
creates it (``deployment``: the template's defaults and ``samconfig.toml``'s default section, its Conditions
evaluated): each function's memory, architecture and triggers, the alarms, the Secrets Manager secrets. Priced
with ``prices.json`` (AWS list prices as the project's reference gives them, with their sources and date).
``ASSUMPTIONS`` are printed with the figures.
"""

import json
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engage_bridge_tools.bench import duration_estimate

PRICES = Path(__file__).with_name("prices.json")
SAMCONFIG = Path(__file__).resolve().parents[3] / "samconfig.toml"
# The template parameters that switch a feature a brand may not run (template.yaml, "Features").
FEATURE_SWITCHES = ("StockRelay", "BackInStockSubscriptions", "ProductFeed", "EngagePreferenceWebhooks")
# The function every Centra webhook invokes once (its count is the run's Centra webhooks).
CENTRA_WEBHOOK_FUNCTION = "CentraWebhookFunction"
MILLION = 1_000_000
GB = 1024**3
DAYS_PER_MONTH = 30

# Write and read operations of DynamoDB (each call one unit: every item the bridge stores is under 1 KB).
DYNAMODB_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
DYNAMODB_READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})
# SQS calls the functions make; receives are modelled (see ASSUMPTIONS), GetQueueAttributes is the runtime's own.
SQS_BILLED_AS_COUNTED = frozenset(
    {"SendMessage", "SendMessageBatch", "DeleteMessage", "DeleteMessageBatch", "ChangeMessageVisibility"}
)

ASSUMPTIONS = (
    "Prices: us-east-1 list prices from the project's table (prices.json, dated), not the stack's region "
    "eu-north-1; free tiers ignored.",
    "Lambda: arm64 and each function's MemorySize from template.yaml. Duration as estimated from where each local "
    "invocation's wall time went (bench/duration_estimate.py: CPU at Lambda's share, AWS calls and Engage and "
    "Centra requests at stated latencies, sleeps as measured); the local wall-clock figure, which carries every "
    "container's contention for one interpreter, is priced beside it (per_million_orders_local_wall).",
    "Per order: every count of the run divided by its orders (the demo's shop, so an order carries its share "
    "of shipments, returns, customer changes, newsletter sign-ups and stock changes), times one million.",
    "Scheduled functions (the events poller, the reconciliation) run on the clock, not per order: priced per "
    "month from their schedule at their measured mean duration, not per order.",
    "SQS: sends, deletes and visibility changes as counted (every message under 64 KB: one billed request "
    "each). Receives: one per SQS-triggered invocation; the local poller's short polls every 20 ms while idle, "
    "the runtime's GetQueueAttributes checks and its scaled re-hiding of failed records (counted apart as "
    "local-runtime/...) are not what Lambda does. Lambda's long polling of idle "
    "queues is a monthly cost, estimated from the reference (0.26-0.65 million empty receives per queue).",
    "DynamoDB on demand: one write unit per write call (items under 1 KB), one read unit per strongly consistent "
    "read and half a unit per eventually consistent one (items under 4 KB); a BatchGetItem is billed per key it "
    "asks for, found or not, as that many GetItem requests (AWS DynamoDB Developer Guide, read request units), "
    "so the run counts its keys; a Query counted as one read (its items are small).",
    "Secrets Manager and SSM: counted reads; Powertools caches each value 300 s per container, so in Lambda "
    "they scale with containers and hours rather than orders. SSM standard parameters carry no call charge.",
    "CloudWatch Logs: ingestion of the bytes the functions wrote (JSON logs and the EMF metric lines); 1 GB = "
    "2^30 bytes; Lambda's own START/END/REPORT lines and storage after ingestion are not included.",
    "Not included: X-Ray (tracing is active in the template; its price is uncertain in the reference), data "
    "transfer, the SNS alarm topic, S3 for reconciliation reports, Engage and Centra themselves.",
)


@dataclass(frozen=True)
class FunctionFacts:
    memory_mb: int
    architecture: str
    triggers: frozenset[str]  # "SQS", "HttpApi", "Schedule", "FunctionUrl" (no charge beyond the invocation)
    schedule: str | None = None  # "rate(1 minute)", "cron(...)"


@dataclass(frozen=True)
class Line:
    """``quantity`` of ``unit`` at ``price_usd`` for every ``per`` of them."""

    item: str
    quantity: float
    unit: str
    price_usd: float
    per: int = 1

    @property
    def usd(self) -> float:
        return self.quantity / self.per * self.price_usd

    def as_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "quantity": round(self.quantity, 3),
            "unit": self.unit,
            "price_usd": self.price_usd,
            "per": self.per,
            "usd": round(self.usd, 4),
        }


@dataclass(frozen=True)
class Deployment:
    """A stack as CloudFormation would create it: its parameter values and its Conditions evaluated."""

    parameters: Mapping[str, str]
    conditions: Mapping[str, bool]

    def creates(self, resource: Mapping[str, Any]) -> bool:
        condition = resource.get("Condition")
        return condition is None or self.conditions[condition]

    @property
    def features(self) -> dict[str, bool]:
        return {name: self.parameters.get(name) == "enabled" for name in FEATURE_SWITCHES}


def samconfig_overrides(path: Path = SAMCONFIG, environment: str = "default") -> dict[str, str]:
    """``parameter_overrides`` of one ``samconfig.toml`` section: what ``sam deploy`` passes the template."""
    config = tomllib.loads(path.read_text(encoding="utf-8"))
    overrides = config.get(environment, {}).get("deploy", {}).get("parameters", {}).get("parameter_overrides", [])
    return dict(str(item).split("=", 1) for item in overrides)


def deployment(template: Mapping[str, Any], overrides: Mapping[str, str] | None = None) -> Deployment:
    """The template's parameter defaults with ``overrides`` (default: ``samconfig.toml``'s default section)."""
    values = {name: str(spec.get("Default", "")) for name, spec in template.get("Parameters", {}).items()}
    values.update(samconfig_overrides() if overrides is None else overrides)
    conditions: dict[str, bool] = {}
    for name, expression in template.get("Conditions", {}).items():
        conditions[name] = bool(_evaluate(expression, values, conditions))
    return Deployment(values, conditions)


# The condition functions CloudFormation evaluates at deploy time, as far as the template uses them.
_CONDITION_FUNCTIONS: dict[str, Callable[[list[Any]], Any]] = {
    "Fn::Equals": lambda values: values[0] == values[1],
    "Fn::Not": lambda values: not values[0],
    "Fn::And": all,
    "Fn::Or": any,
    "Fn::Split": lambda values: str(values[1]).split(values[0]),
    "Fn::Select": lambda values: values[1][int(values[0])],
}


def _evaluate(node: Any, parameters: Mapping[str, str], conditions: Mapping[str, bool]) -> Any:
    if not isinstance(node, dict) or len(node) != 1:
        return node
    [(function, argument)] = node.items()
    if function == "Ref":
        return parameters[argument]
    if function == "Condition":
        return conditions[argument]
    if function not in _CONDITION_FUNCTIONS:
        raise ValueError(f"condition function {function} is not evaluated here")
    return _CONDITION_FUNCTIONS[function]([_evaluate(item, parameters, conditions) for item in argument])


def load_prices(path: Path = PRICES) -> dict[str, Any]:
    prices: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return prices


def function_facts(template: Mapping[str, Any], deployed: Deployment | None = None) -> dict[str, FunctionFacts]:
    """Memory, architecture, triggers and schedule of every function ``deployed`` creates (default: every one),
    the template's Globals applied."""
    globals_ = template.get("Globals", {}).get("Function", {})
    values = (deployed or deployment(template, {})).parameters
    facts = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function" or (deployed and not deployed.creates(resource)):
            continue
        properties = resource["Properties"]
        events = properties.get("Events", {}).values()
        found = next((e["Properties"]["Schedule"] for e in events if e["Type"] == "Schedule"), None)
        schedule = str(_evaluate(found, values, {})) if found is not None else None
        facts[logical_id] = FunctionFacts(
            memory_mb=int(_evaluate(properties.get("MemorySize", globals_.get("MemorySize", 128)), values, {})),
            architecture=(properties.get("Architectures") or globals_.get("Architectures") or ["x86_64"])[0],
            triggers=frozenset(event["Type"] for event in events)
            | ({"FunctionUrl"} if "FunctionUrlConfig" in properties else frozenset()),
            schedule=schedule,
        )
    return facts


def runs_per_month(schedule: str | None) -> float:
    """Runs a month of ``rate(N unit)``; a ``cron(...)`` is taken as daily (the template's reconciliation)."""
    if schedule is None:
        return 0.0
    if schedule.startswith("cron("):
        return float(DAYS_PER_MONTH)
    amount, unit = schedule.removeprefix("rate(").removesuffix(")").split()
    minutes = {"minute": 1, "minutes": 1, "hour": 60, "hours": 60, "day": 1440, "days": 1440}[unit]
    return DAYS_PER_MONTH * 1440 / (int(amount) * minutes)


def _price(prices: Mapping[str, Any], name: str) -> float:
    return float(prices["prices"][name]["usd"])


def _gb_second_price(prices: Mapping[str, Any], architecture: str) -> float:
    return _price(prices, "lambda_gb_second_arm64" if architecture == "arm64" else "lambda_gb_second_x86_64")


def per_million_orders(
    *,
    orders: int,
    invocations: Mapping[str, Mapping[str, float]],
    aws_requests: Mapping[str, int],
    log_bytes: int,
    facts: Mapping[str, FunctionFacts],
    prices: Mapping[str, Any],
    eventually_consistent_reads: int = 0,
    batch_get_items: int | None = None,
) -> list[Line]:
    """The variable cost of a million orders, line by line, from one run's counts over ``orders`` orders.

    ``eventually_consistent_reads``: how many of the counted reads were eventually consistent (half a read unit).
    ``batch_get_items``: the keys every ``BatchGetItem`` asked for (each billed as one read); ``None`` (a run that
    did not count them) prices each ``BatchGetItem`` call as one read, a lower bound.
    """
    scale = MILLION / orders
    per_order = [name for name, fact in facts.items() if "Schedule" not in fact.triggers]

    def invoked(name: str) -> float:
        return float(invocations.get(name, {}).get("invocations", 0))

    def gb_seconds(name: str) -> float:
        return invocations.get(name, {}).get("duration_ms", 0) / 1000 * facts[name].memory_mb / 1024

    lines = [
        Line(
            "Lambda requests",
            sum(invoked(name) for name in per_order) * scale,
            "requests",
            _price(prices, "lambda_requests_per_million"),
            MILLION,
        )
    ]
    for arch in sorted({facts[name].architecture for name in per_order}):
        seconds = sum(gb_seconds(name) for name in per_order if facts[name].architecture == arch) * scale
        lines.append(Line(f"Lambda duration ({arch})", seconds, "GB-s", _gb_second_price(prices, arch)))
    # Only the functions still behind the HTTP API; a function URL's calls are priced as invocations alone.
    api_calls = sum(invoked(name) for name in per_order if "HttpApi" in facts[name].triggers)
    receives = sum(invoked(name) for name in per_order if "SQS" in facts[name].triggers)
    sqs = _sum_calls(aws_requests, "sqs", SQS_BILLED_AS_COUNTED) + receives
    writes = _sum_calls(aws_requests, "dynamodb", DYNAMODB_WRITES)
    reads = _sum_calls(aws_requests, "dynamodb", DYNAMODB_READS) - eventually_consistent_reads / 2
    if batch_get_items is not None:  # the batches' keys in place of their calls
        reads += batch_get_items - _sum_calls(aws_requests, "dynamodb", frozenset({"BatchGetItem"}))
    secrets = _sum_calls(aws_requests, "secretsmanager", frozenset({"GetSecretValue", "BatchGetSecretValue"}))
    parameters = _sum_calls(aws_requests, "ssm", frozenset({"GetParameter", "GetParameters", "GetParametersByPath"}))
    per_million = {"requests": MILLION, "write units": MILLION, "read units": MILLION}
    for item, quantity, unit, price in (
        ("HTTP API requests", api_calls, "requests", "http_api_requests_per_million"),
        ("SQS requests", sqs, "requests", "sqs_standard_requests_per_million"),
        ("DynamoDB writes", writes, "write units", "dynamodb_write_request_units_per_million"),
        ("DynamoDB reads", reads, "read units", "dynamodb_read_request_units_per_million"),
    ):
        lines.append(Line(item, quantity * scale, unit, _price(prices, price), per_million[unit]))
    lines += [
        Line(
            "Secrets Manager reads",
            secrets * scale,
            "calls",
            _price(prices, "secrets_manager_api_calls_per_10k"),
            10_000,
        ),
        Line(
            "SSM parameter reads",
            parameters * scale,
            "calls",
            _price(prices, "ssm_parameter_standard_api_calls_per_10k"),
            10_000,
        ),
        Line(
            "CloudWatch Logs ingestion",
            log_bytes * scale / GB,
            "GB",
            _price(prices, "cloudwatch_logs_ingestion_per_gb"),
        ),
    ]
    return lines


def _sum_calls(aws_requests: Mapping[str, int], service: str, operations: frozenset[str]) -> int:
    total = 0
    for key, count in aws_requests.items():
        name, _, operation = key.partition(":")
        if name == service and operation in operations:
            total += count
    return total


def per_month_fixed(
    *,
    invocations: Mapping[str, Mapping[str, float]],
    facts: Mapping[str, FunctionFacts],
    alarms: int,
    secrets: int,
    custom_metrics: int | None,
    prices: Mapping[str, Any],
) -> list[Line]:
    """What the stack costs a month whatever the orders: schedules, idle polling, alarms, metrics, secrets."""
    lines = []
    for name, fact in sorted(facts.items()):
        runs = runs_per_month(fact.schedule)
        if not runs:
            continue
        counted = invocations.get(name, {})
        ran = bool(counted.get("invocations"))
        mean_ms = counted.get("duration_ms", 0) / counted["invocations"] if ran else 0.0
        lines += [
            Line(
                f"{name} runs, {fact.schedule}",
                runs,
                "requests",
                _price(prices, "lambda_requests_per_million"),
                MILLION,
            ),
            Line(
                f"{name} duration ({mean_ms:.0f} ms a run)" if ran else f"{name} duration (not run locally: unpriced)",
                runs * mean_ms / 1000 * fact.memory_mb / 1024,
                "GB-s",
                _gb_second_price(prices, fact.architecture),
            ),
        ]
    queues = sum(1 for fact in facts.values() if "SQS" in fact.triggers)
    lines.append(
        Line(
            f"SQS idle long polling, {queues} event sources at 0.65 million empty receives each",
            queues * 650_000,
            "requests",
            _price(prices, "sqs_standard_requests_per_million"),
            MILLION,
        )
    )
    lines.append(Line("CloudWatch alarms", alarms, "alarm-month", _price(prices, "cloudwatch_standard_alarm_month")))
    if custom_metrics is not None:
        lines.append(
            Line(
                "CloudWatch custom metrics",
                custom_metrics,
                "metric-month",
                _price(prices, "cloudwatch_custom_metric_month"),
            )
        )
    lines.append(
        Line("Secrets Manager secrets", secrets, "secret-month", _price(prices, "secrets_manager_secret_month"))
    )
    return lines


def template_counts(template: Mapping[str, Any], deployed: Deployment | None = None) -> tuple[int, int]:
    """Alarms ``deployed`` creates (default: every one in the template), and the Secrets Manager secrets it reads:
    credential parameters with a name not starting with / (that is an SSM SecureString: no monthly charge)."""
    alarms = sum(
        1
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm" and (deployed is None or deployed.creates(r))
    )
    if deployed is None:
        return alarms, sum(1 for name in template.get("Parameters", {}) if name.endswith("SecretName"))
    secrets = sum(
        1
        for name, value in deployed.parameters.items()
        if name.endswith("SecretName") and value and not value.startswith("/")
    )
    return alarms, secrets


def fixed_for(
    run: Mapping[str, Any], template: Mapping[str, Any], deployed: Deployment, prices: Mapping[str, Any]
) -> list[Line]:
    """The monthly fixed cost of the stack ``deployed`` creates."""
    alarms, secrets = template_counts(template, deployed)
    return per_month_fixed(
        invocations=run["invocations"],
        facts=function_facts(template, deployed),
        alarms=alarms,
        secrets=secrets,
        custom_metrics=run.get("custom_metrics"),
        prices=prices,
    )


def derive(
    sections: Mapping[str, Any],
    template: Mapping[str, Any],
    prices: Mapping[str, Any],
    overrides: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The cost figures for results.json from the end-to-end section's counts.

    The variable cost is the run's (every feature ran); the fixed cost is the default deployment's (the template's
    defaults with ``overrides``, by default ``samconfig.toml``'s default section), and, beside it, every feature's.
    """
    measured = sections["end_to_end"]
    facts = function_facts(template)
    memory = {name: fact.memory_mb for name, fact in facts.items()}
    engage_ms = float(measured.get("engage_latency_ms", 0.0))
    # Priced on the estimated duration; the local wall clock (contention included) is priced beside it.
    run = {
        **measured,
        "invocations": duration_estimate.estimated_invocations(measured["invocations"], memory, engage_ms=engage_ms),
    }
    default = deployment(template, overrides)
    everything = deployment(template, {**default.parameters, **dict.fromkeys(FEATURE_SWITCHES, "enabled")})

    def variable_for(invocations: Mapping[str, Mapping[str, float]]) -> list[Line]:
        return per_million_orders(
            orders=int(run["orders"]),
            invocations=invocations,
            aws_requests=run["aws_requests"],
            log_bytes=int(run["log_bytes"]),
            facts=facts,
            prices=prices,
            eventually_consistent_reads=sum(run.get("dynamodb_eventual_reads", {}).values()),
            batch_get_items=(
                sum(run["dynamodb_batch_get_items"].values()) if "dynamodb_batch_get_items" in run else None
            ),
        )

    variable, local_wall = variable_for(run["invocations"]), variable_for(measured["invocations"])
    fixed = fixed_for(run, template, default, prices)
    fixed_everything = fixed_for(run, template, everything, prices)
    sqs = {k: v for k, v in run["aws_requests"].items() if k.startswith("sqs:")}
    total = round(sum(line.usd for line in variable), 2)
    return {
        "region": prices["region"],
        "prices_as_of": prices["as_of"],
        "orders_measured": run["orders"],
        **_per_centra_webhook(total, int(run["orders"]), measured["invocations"]),
        "memory_mb": {name: fact.memory_mb for name, fact in facts.items()},
        "architectures": sorted({fact.architecture for fact in facts.values()}),
        "per_million_orders": {
            "lines": [line.as_dict() for line in variable],
            "total_usd": total,
        },
        "per_million_orders_local_wall": {
            "lines": [line.as_dict() for line in local_wall if line.item.startswith("Lambda duration")],
            "total_usd": round(sum(line.usd for line in local_wall), 2),
        },
        "duration_per_invocation_ms": duration_estimate.per_function(
            measured["invocations"], memory, engage_ms=engage_ms
        ),
        "duration_sources": list(duration_estimate.LATENCY_SOURCES),
        "per_month_fixed": {
            "deployment": "the default: template.yaml's parameter defaults with samconfig.toml's default section",
            "features": default.features,
            "lines": [line.as_dict() for line in fixed],
            "total_usd": round(sum(line.usd for line in fixed), 2),
        },
        "per_month_fixed_every_feature": {
            "features": everything.features,
            "lines": [line.as_dict() for line in fixed_everything],
            "total_usd": round(sum(line.usd for line in fixed_everything), 2),
        },
        "local_sqs_calls_not_priced": {
            "ReceiveMessage_counted": sqs.get("sqs:ReceiveMessage", 0),
            "GetQueueAttributes_counted": sqs.get("sqs:GetQueueAttributes", 0),
        },
        "assumptions": list(ASSUMPTIONS),
    }


def _per_centra_webhook(
    usd_per_million_orders: float, orders: int, invocations: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """The same cost per million Centra webhooks: an order of the run brings several (creation, shipment, customer
    changes ...), where the reference's naive pipeline (``../shared/reference/reliability-performance.md`` B3)
    prices an order as one webhook; per webhook, shops that bring different numbers of webhooks an order compare.
    """
    webhooks = int(invocations.get(CENTRA_WEBHOOK_FUNCTION, {}).get("invocations", 0))
    if not webhooks:
        return {}
    return {
        "centra_webhooks_measured": webhooks,
        "usd_per_million_centra_webhooks": round(usd_per_million_orders * orders / webhooks, 2),
    }


def _line_quantity(block: Mapping[str, Any], item: str) -> float:
    return float(next((line["quantity"] for line in block["lines"] if line["item"] == item), 0.0))


def cost_figures(sections: Mapping[str, Any]) -> dict[str, float]:
    """The cost figures issue 18 is measured by, from one run's sections (what is not in the run is left out).

    Dollars per million orders and per month; DynamoDB and SQS requests per order (as priced); AWS calls per
    effect (each Engage handler's calls per message, moto-counted in the ``handlers`` section); bytes logged per
    order; distinct custom metrics.
    """
    figures: dict[str, float] = {}
    cost = sections.get("aws_cost")
    if cost:
        variable = cost["per_million_orders"]
        figures["usd_per_million_orders"] = float(variable["total_usd"])
        figures["usd_per_month_fixed"] = float(cost["per_month_fixed"]["total_usd"])
        if "usd_per_million_centra_webhooks" in cost:
            figures["usd_per_million_centra_webhooks"] = float(cost["usd_per_million_centra_webhooks"])
        if "per_million_orders_local_wall" in cost:
            figures["usd_per_million_orders_local_wall"] = float(cost["per_million_orders_local_wall"]["total_usd"])
        figures["lambda_duration_usd_per_million_orders"] = round(
            sum(line["usd"] for line in variable["lines"] if line["item"].startswith("Lambda duration")), 2
        )
        for label, item in (
            ("dynamodb_writes_per_order", "DynamoDB writes"),
            ("dynamodb_reads_per_order", "DynamoDB reads"),
            ("sqs_requests_per_order", "SQS requests"),
        ):
            figures[label] = round(_line_quantity(variable, item) / MILLION, 2)
    run = sections.get("end_to_end")
    if run and run.get("log_bytes") is not None:
        figures["log_bytes_per_order"] = round(int(run["log_bytes"]) / int(run["orders"]))
    if run and run.get("custom_metrics") is not None:
        figures["custom_metrics"] = int(run["custom_metrics"])
    for name, handler in (sections.get("handlers") or {}).get("per_message", {}).items():
        calls = handler.get("aws_calls_per_message", {})
        figures[f"aws_calls_per_effect.{name}"] = round(sum(calls.values()), 2)
    return figures
