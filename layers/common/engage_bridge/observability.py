"""Powertools Logger, Tracer and Metrics: one shared instance each, bound to a handler at cold start.

``bind`` takes the handler's service name, metrics namespace and environment from the variables the template
sets, instead of each instance reading them whenever it happened to be imported first. In Lambda one container
runs one handler; the local runtime and the tests run several in one process, and each must report as itself.
Every metric carries ``service`` and ``environment`` dimensions, so two stacks in one account (dev and prod,
or two brands) keep their dashboards apart.
"""

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric

logger = Logger()
tracer = Tracer()
metrics = Metrics()


def bind(*, service: str, namespace: str, environment: str) -> None:
    logger.append_keys(service=service)
    metrics.namespace = namespace
    metrics.service = service
    metrics.set_default_dimensions(environment=environment)


def count(name: str, reason: str, value: float = 1, *, of: Metrics = metrics) -> None:
    """Emit ``name`` at once with a ``reason`` dimension on top of the handler's own dimensions.

    Reasons get their own metric document (``single_metric``): dimensions apply to a whole document, and one
    invocation can count several reasons.
    """
    with single_metric(
        name=name,
        unit=MetricUnit.Count,
        value=value,
        namespace=of.namespace,
        default_dimensions={**of.default_dimensions, "service": str(of.service)},
    ) as metric:
        metric.add_dimension(name="reason", value=reason)
