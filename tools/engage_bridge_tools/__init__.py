"""Developer and operator tooling: the ``engage-bridge`` command, the local Engage sandbox and benchmarks.

Nothing here ships in the Lambda layer.
"""
