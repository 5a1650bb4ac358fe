"""Deploy ``template.yaml`` into moto and read back what Lambda would run: functions, triggers, queues.

The template is translated by aws-sam-translator (as ``sam deploy`` does) and created by moto's CloudFormation,
so every queue, redrive policy, table, event source mapping and schedule exists as the template declares it,
with every ``!Ref`` and ``!GetAtt`` resolved by CloudFormation's rules rather than by a copy of them here.
moto cannot model HTTP APIs or function URLs, so HTTP routes are read from the SAM template itself: the
functions' ``HttpApi`` events, and each function URL at the path its stack output gives (``CentraWebhookUrl``:
``${CentraWebhookFunctionUrl.FunctionUrl}centra/webhook`` is served as ``POST /centra/webhook``), so the local
runtime serves every route on one host, at the paths the docs give.

moto stores each function's code but never runs it: the local runtime imports the handler from the
function's ``CodeUri`` folder instead.
"""

import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from samtranslator.translator.transform import transform

from engage_bridge_tools.local.template import REPO, load_template

ARTIFACT_BUCKET = "sam-artifacts"
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
# A stack output naming a function URL (SAM's "<function>Url" resource) and the path it appends.
_FUNCTION_URL = re.compile(r"^\$\{(\w+)Url\.FunctionUrl\}(\S*)$")


@dataclass(frozen=True, slots=True)
class LocalFunction:
    logical_id: str
    name: str  # the deployed function name
    arn: str
    code_dir: Path
    handler: str  # module.attribute
    environment: dict[str, str]
    timeout_seconds: int
    memory_mb: int
    reserved_concurrency: int | None


@dataclass(frozen=True, slots=True)
class SqsTrigger:
    """An SQS event source mapping, as Lambda's poller would run it."""

    function: str  # logical id
    queue_url: str
    queue_arn: str
    batch_size: int
    batching_window_seconds: int
    report_batch_item_failures: bool
    maximum_concurrency: int
    # The function hides a failed record itself on Voyado's cadence (its SOURCE_QUEUE_URL; retry_cadence).
    retries_on_cadence: bool = False


@dataclass(frozen=True, slots=True)
class ScheduleTrigger:
    function: str
    rule_name: str
    expression: str
    interval_seconds: int | None  # None for a cron expression: a wall-clock time, fired only when asked
    input: str | None = None  # the rule target's constant Input (JSON), sent instead of the scheduled event


@dataclass(frozen=True, slots=True)
class HttpRoute:
    function: str
    method: str
    path: str


@dataclass(frozen=True, slots=True)
class LocalStack:
    name: str
    functions: dict[str, LocalFunction]  # by logical id
    sqs_triggers: tuple[SqsTrigger, ...]
    schedules: tuple[ScheduleTrigger, ...]
    routes: tuple[HttpRoute, ...]
    queues: dict[str, str]  # logical id -> queue URL
    dead_letter_queues: dict[str, str]  # source queue URL -> its DLQ URL
    resources: dict[str, str]  # logical id -> physical id, for everything moto created

    def function_by_code_dir(self, name: str) -> LocalFunction:
        """The function whose code folder is ``functions/<name>``."""
        for function in self.functions.values():
            if function.code_dir.name == name:
                return function
        raise KeyError(f"no function with code folder functions/{name}")


class _NoManagedPolicies:
    """The translator asks IAM for managed policy ARNs only when a template names one by bare name."""

    def load(self) -> dict[str, str]:
        return {}


def translate(sam: dict[str, Any], parameters: dict[str, str]) -> dict[str, Any]:
    """SAM → CloudFormation, offline. Code locations become S3 keys named after each resource."""
    for name, resource in sam["Resources"].items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function":
            resource.setdefault("Metadata", {})["LocalCodeUri"] = properties["CodeUri"]
            properties["CodeUri"] = f"s3://{ARTIFACT_BUCKET}/{name}.zip"
        elif resource["Type"] == "AWS::Serverless::LayerVersion":
            resource.setdefault("Metadata", {})["LocalContentUri"] = properties["ContentUri"]
            properties["ContentUri"] = f"s3://{ARTIFACT_BUCKET}/{name}.zip"
    translated: dict[str, Any] = transform(sam, parameters, _NoManagedPolicies())
    return translated


def resolve_mappings(node: Any, mappings: dict[str, Any]) -> Any:
    """Replace ``Fn::FindInMap`` with its value, as CloudFormation does at deploy time (moto does not)."""
    if isinstance(node, dict):
        if set(node) == {"Fn::FindInMap"}:
            top, second, third = node["Fn::FindInMap"]
            return mappings[top][second][third]
        return {key: resolve_mappings(value, mappings) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve_mappings(item, mappings) for item in node]
    return node


def function_url_routes(sam: dict[str, Any]) -> tuple[HttpRoute, ...]:
    """``POST <path>`` for every function with a ``FunctionUrlConfig``, at the path its stack output appends.

    A function URL serves every path; the webhooks answer only ``POST`` on the path their output documents. A
    function URL without such an output is an error naming it, so a new one cannot silently go unserved locally.
    """
    paths = {}
    for output in sam.get("Outputs", {}).values():
        value = output.get("Value")
        substituted = value.get("Fn::Sub") if isinstance(value, dict) else None
        match = _FUNCTION_URL.match(substituted) if isinstance(substituted, str) else None
        if match:
            paths[match.group(1)] = "/" + match.group(2)
    routes = []
    for logical_id, resource in sam["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function" and "FunctionUrlConfig" in resource["Properties"]:
            if logical_id not in paths:
                raise KeyError(f"{logical_id}: a function URL with no output giving its path")
            routes.append(HttpRoute(logical_id, "POST", paths[logical_id]))
    return tuple(routes)


def without_function_url_outputs(cfn: dict[str, Any]) -> dict[str, Any]:
    """The translated template less the outputs that name a function URL.

    moto creates no ``AWS::Lambda::Url``, so it cannot resolve their ``FunctionUrl`` (describing the stack would
    fail); locally each function URL is a route of the runtime's HTTP server instead (``function_url_routes``).
    """
    urls = {
        f"${{{name}.FunctionUrl}}"
        for name, resource in cfn["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Url"
    }
    outputs = {
        key: output
        for key, output in cfn.get("Outputs", {}).items()
        if not any(url in json.dumps(output) for url in urls)
    }
    return {**cfn, "Outputs": outputs}


def interval_seconds(expression: str) -> int | None:
    """``rate(5 minutes)`` → 300; ``cron(...)`` → None (it names wall-clock times, not an interval)."""
    if expression.strip().startswith("cron("):
        return None
    match = _RATE.match(expression.strip())
    if match is None:
        raise ValueError(f"schedule {expression!r}: not a rate(...) or cron(...) expression")
    amount, unit = int(match.group(1)), match.group(2).rstrip("s")
    return amount * _UNIT_SECONDS[unit]


def deploy(stack_name: str, parameters: dict[str, str], template_path: Path | None = None) -> LocalStack:
    """Create the stack in moto (``mock_aws`` must be active) and describe what the runtime needs of it."""
    sam = load_template() if template_path is None else load_template(template_path)
    code_dirs = {
        logical_id: REPO / resource["Properties"]["CodeUri"]
        for logical_id, resource in sam["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }
    routes = tuple(
        HttpRoute(logical_id, event["Properties"]["Method"].upper(), event["Properties"]["Path"])
        for logical_id, resource in sam["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
        for event in resource["Properties"].get("Events", {}).values()
        if event["Type"] == "HttpApi"
    ) + function_url_routes(sam)
    packaged = [
        logical_id
        for logical_id, resource in sam["Resources"].items()
        if resource["Type"] in {"AWS::Serverless::Function", "AWS::Serverless::LayerVersion"}
    ]
    cfn = translate(sam, parameters)
    _upload_placeholder_code(packaged)
    cloudformation = boto3.client("cloudformation")
    cloudformation.create_stack(
        StackName=stack_name,
        TemplateBody=json.dumps(without_function_url_outputs(resolve_mappings(cfn, cfn.get("Mappings", {})))),
        Parameters=[{"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    resources = _physical_ids(cloudformation, stack_name)
    # A feature switched off (a template Condition) leaves its functions and routes out of the stack.
    functions = _functions(resources, {name: code for name, code in code_dirs.items() if name in resources})
    routes = tuple(route for route in routes if route.function in resources)
    by_arn = {function.arn: function.logical_id for function in functions.values()}
    queues = {
        logical_id: url
        for logical_id, url in resources.items()
        if cfn["Resources"].get(logical_id, {}).get("Type") == "AWS::SQS::Queue"
    }
    return LocalStack(
        name=stack_name,
        functions=functions,
        sqs_triggers=_sqs_triggers(by_arn),
        schedules=_schedules(by_arn),
        routes=routes,
        queues=queues,
        dead_letter_queues=_dead_letter_queues(queues.values()),
        resources=resources,
    )


def _upload_placeholder_code(names: list[str]) -> None:
    s3 = boto3.client("s3")
    region = s3.meta.region_name
    if region == "us-east-1":
        s3.create_bucket(Bucket=ARTIFACT_BUCKET)
    else:
        s3.create_bucket(Bucket=ARTIFACT_BUCKET, CreateBucketConfiguration={"LocationConstraint": region})  # type: ignore[typeddict-item]
    placeholder = io.BytesIO()
    with zipfile.ZipFile(placeholder, "w") as archive:
        archive.writestr("README", "moto stores this; the local runtime imports the code from the repository")
    for name in names:
        s3.put_object(Bucket=ARTIFACT_BUCKET, Key=f"{name}.zip", Body=placeholder.getvalue())


def _physical_ids(cloudformation: Any, stack_name: str) -> dict[str, str]:
    summaries = cloudformation.list_stack_resources(StackName=stack_name)["StackResourceSummaries"]
    return {summary["LogicalResourceId"]: summary["PhysicalResourceId"] for summary in summaries}


def _functions(resources: dict[str, str], code_dirs: dict[str, Path]) -> dict[str, LocalFunction]:
    lambda_ = boto3.client("lambda")
    functions = {}
    for logical_id, code_dir in code_dirs.items():
        configuration = lambda_.get_function_configuration(FunctionName=resources[logical_id])
        concurrency = lambda_.get_function_concurrency(FunctionName=resources[logical_id])
        functions[logical_id] = LocalFunction(
            logical_id=logical_id,
            name=configuration["FunctionName"],
            arn=configuration["FunctionArn"],
            code_dir=code_dir,
            handler=configuration["Handler"],
            # CloudFormation stringifies every variable (a FindInMap number included); moto keeps the type.
            environment={
                name: str(value) for name, value in configuration.get("Environment", {}).get("Variables", {}).items()
            },
            timeout_seconds=int(configuration["Timeout"]),
            memory_mb=int(configuration["MemorySize"]),
            reserved_concurrency=concurrency.get("ReservedConcurrentExecutions"),
        )
    return functions


def _sqs_triggers(by_arn: dict[str, str]) -> tuple[SqsTrigger, ...]:
    lambda_, sqs = boto3.client("lambda"), boto3.client("sqs")
    triggers = []
    for mapping in lambda_.list_event_source_mappings()["EventSourceMappings"]:
        queue_arn = mapping["EventSourceArn"]
        if not queue_arn.startswith("arn:aws:sqs:") or mapping["FunctionArn"] not in by_arn:
            continue
        triggers.append(
            SqsTrigger(
                function=by_arn[mapping["FunctionArn"]],
                queue_url=sqs.get_queue_url(QueueName=queue_arn.rsplit(":", 1)[1])["QueueUrl"],
                queue_arn=queue_arn,
                batch_size=int(mapping.get("BatchSize", 10)),
                batching_window_seconds=int(mapping.get("MaximumBatchingWindowInSeconds", 0)),
                report_batch_item_failures="ReportBatchItemFailures" in mapping.get("FunctionResponseTypes", []),
                # Lambda's default for SQS without ScalingConfig is up to 1000; locally a handful is plenty.
                maximum_concurrency=int(mapping.get("ScalingConfig", {}).get("MaximumConcurrency", 5)),
                retries_on_cadence="SOURCE_QUEUE_URL"
                in lambda_.get_function_configuration(FunctionName=mapping["FunctionArn"])
                .get("Environment", {})
                .get("Variables", {}),
            )
        )
        # The local runtime is the poller now. Enabled, moto would receive each message on every send to the
        # queue (counting towards maxReceiveCount) to run the function in Docker.
        lambda_.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
    return tuple(sorted(triggers, key=lambda trigger: trigger.function))


def _schedules(by_arn: dict[str, str]) -> tuple[ScheduleTrigger, ...]:
    events = boto3.client("events")
    schedules = []
    for rule in events.list_rules()["Rules"]:
        if rule.get("State") != "ENABLED" or "ScheduleExpression" not in rule:
            continue
        for target in events.list_targets_by_rule(Rule=rule["Name"])["Targets"]:
            if target["Arn"] in by_arn:
                expression = rule["ScheduleExpression"]
                schedules.append(
                    ScheduleTrigger(
                        by_arn[target["Arn"]],
                        rule["Name"],
                        expression,
                        interval_seconds(expression),
                        target.get("Input"),
                    )
                )
    return tuple(schedules)


def _dead_letter_queues(queue_urls: Any) -> dict[str, str]:
    sqs = boto3.client("sqs")
    by_arn = {
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]: url
        for url in queue_urls
    }
    dead_letters = {}
    for url in by_arn.values():
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"]).get("Attributes", {})
        if "RedrivePolicy" in attributes:
            dead_letters[url] = by_arn[json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"]]
    return dead_letters
