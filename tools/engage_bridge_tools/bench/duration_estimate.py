"""Lambda duration as AWS would bill it, estimated from where each local invocation's wall time went.

The local runtime runs every container and both emulators in one interpreter, so an invocation's wall time there
includes waiting for the interpreter lock and answers slowed by it (``local/invocation_time.py``). Lambda bills
wall time too, but a container has its process to itself. Per function, the estimate is:

    own CPU (thread CPU outside AWS calls, client CPU of HTTP requests included) / Lambda's CPU share at its memory
    + each AWS call at a typical in-Region latency (``AWS_CALL_MS``)
    + each Engage request at the sandbox's configured latency, each Centra request at ``CENTRA_REQUEST_MS``
    + the time actually slept (the Engage budget's slots, back-off)

Left out: the interpreter-lock wait, and the CPU moto spends answering AWS calls in the invocation's thread (a
real call's client-side work is inside its measured latency). Every figure is in ``LATENCY_SOURCES``.
"""

from collections.abc import Mapping
from typing import Any

# Lambda allocates CPU in proportion to memory: at 1,769 MB a function has the equivalent of one vCPU.
LAMBDA_ONE_VCPU_MB = 1769
AWS_CALL_MS: Mapping[str, float] = {
    "dynamodb": 10.0,
    "sqs": 20.0,
    "ssm": 30.0,
    "secretsmanager": 30.0,
    "s3": 30.0,
}
OTHER_AWS_CALL_MS = 30.0
CENTRA_REQUEST_MS = 100.0

LATENCY_SOURCES = (
    "CPU: Lambda allocates CPU in proportion to memory, one vCPU at 1,769 MB "
    "(https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html); the estimate divides the thread CPU "
    "measured here by memory / 1,769 (a 192 MB function runs CPU-bound work about 9.2 times slower than one vCPU). "
    "Assumption: one core of this machine is as fast as one Graviton vCPU; short bursts may run faster than the "
    "share (the variant 'CPU unthrottled' shows the estimate without the division).",
    "DynamoDB: 10 ms a call. AWS: GetItem, PutItem and other single-item operations average single-digit "
    "milliseconds inside DynamoDB, network and client not included "
    "(https://repost.aws/knowledge-center/dynamodb-high-latency); the upper end of that range is taken to cover "
    "an in-Region network hop over a kept-alive connection (assumption).",
    "SQS: 20 ms a call (assumption). Secondary sources give under 10 ms to publish and receive "
    "(https://massipssa.github.io/Docs/docs/cloud/aws/Collection/sqs) and report slow tails "
    "(https://hfernandes.com/blog/sqs-slow-performance); doubled for the tail.",
    "SSM, Secrets Manager, S3: 30 ms a call (assumption, no source); a few calls per run (cached per container).",
    "Engage: the sandbox's configured latency per request (end_to_end.LATENCY_S); Voyado publishes no latency.",
    "Centra: 100 ms per GraphQL request (assumption, no source: the Centra fake answers at once, and Centra "
    "publishes no latency for its Integration API).",
    "Slept: as measured here. The budget's sleeps depend on each container's pace, which local contention "
    "lengthens, so this part stays an upper estimate.",
)


def cpu_share(memory_mb: int) -> float:
    return min(1.0, memory_mb / LAMBDA_ONE_VCPU_MB)


def estimated_ms(shares: Mapping[str, Any], *, memory_mb: int, engage_ms: float, throttle: bool = True) -> float:
    """Estimated billed milliseconds of the invocations summed in ``shares`` (``TimeShares.as_dict``).

    HTTP requests counted as ``engage`` are the sandbox's, every other one is priced as Centra's.
    """
    cpu = float(shares["own_cpu_ms"]) + float(shares["http_cpu_ms"])
    if throttle:
        cpu /= cpu_share(memory_mb)
    aws = sum(calls * AWS_CALL_MS.get(service, OTHER_AWS_CALL_MS) for service, calls in shares["aws_calls"].items())
    http = sum(
        requests * (engage_ms if host == "engage" else CENTRA_REQUEST_MS)
        for host, requests in shares["http_requests"].items()
    )
    return float(cpu + aws + http + float(shares["slept_ms"]))


def estimated_invocations(
    invocations: Mapping[str, Mapping[str, Any]],
    memory_mb: Mapping[str, int],
    *,
    engage_ms: float,
    throttle: bool = True,
) -> dict[str, dict[str, float]]:
    """``invocations`` with ``duration_ms`` the estimate; a function the run did not split keeps its local figure."""
    estimated: dict[str, dict[str, float]] = {}
    for name, counted in invocations.items():
        shares = counted.get("time")
        duration = float(counted.get("duration_ms", 0.0))
        if shares is not None and name in memory_mb:
            duration = estimated_ms(shares, memory_mb=memory_mb[name], engage_ms=engage_ms, throttle=throttle)
        estimated[name] = {"invocations": float(counted.get("invocations", 0)), "duration_ms": round(duration, 1)}
    return estimated


def per_function(
    invocations: Mapping[str, Mapping[str, Any]],
    memory_mb: Mapping[str, int],
    *,
    engage_ms: float,
) -> dict[str, dict[str, float]]:
    """Mean milliseconds an invocation, per function that ran: local wall time, its parts, and the estimates."""
    rows: dict[str, dict[str, float]] = {}
    for name, counted in sorted(invocations.items()):
        shares, runs = counted.get("time"), int(counted.get("invocations", 0))
        if shares is None or not runs or name not in memory_mb:
            continue
        memory = memory_mb[name]
        rows[name] = {
            "invocations": runs,
            "memory_mb": memory,
            "local_wall_ms": round(float(counted["duration_ms"]) / runs, 1),
            "own_cpu_ms": round(float(shares["own_cpu_ms"]) / runs, 1),
            "aws_calls": round(sum(shares["aws_calls"].values()) / runs, 2),
            "aws_local_ms": round(float(shares["aws_ms"]) / runs, 1),
            "http_requests": round(sum(shares["http_requests"].values()) / runs, 2),
            "http_local_ms": round(float(shares["http_ms"]) / runs, 1),
            "slept_ms": round(float(shares["slept_ms"]) / runs, 1),
            "waiting_ms": round(float(shares["waiting_ms"]) / runs, 1),
            "estimated_ms": round(estimated_ms(shares, memory_mb=memory, engage_ms=engage_ms) / runs, 1),
            "estimated_cpu_unthrottled_ms": round(
                estimated_ms(shares, memory_mb=memory, engage_ms=engage_ms, throttle=False) / runs, 1
            ),
        }
    return rows
