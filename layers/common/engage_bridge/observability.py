"""Powertools Logger, Tracer and Metrics: one shared instance each, bound to a handler at cold start.

``bind`` takes the handler's service name, metrics namespace and environment from the variables the template
sets, instead of each instance reading them whenever it happened to be imported first. In Lambda one container
runs one handler; the local runtime and the tests run several in one process, and each must report as itself.
Every metric carries ``service`` and ``environment`` dimensions, so two stacks in one account (dev and prod,
or two brands) keep their dashboards apart.
"""

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()


def bind(*, service: str, namespace: str, environment: str) -> None:
    logger.append_keys(service=service)
    metrics.namespace = namespace
    metrics.service = service
    metrics.set_default_dimensions(environment=environment)


def metric_dimensions() -> dict[str, str]:
    """The dimensions every metric of the bound handler carries (for Powertools ``single_metric``)."""
    return {**metrics.default_dimensions, "service": str(metrics.service)}
