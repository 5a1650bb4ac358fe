"""Hypothesis settings for the fuzz tests: quick in ``make test``, deeper with ``HYPOTHESIS_PROFILE=fuzz``.

Only the tests decorated with :data:`FUZZ` use these profiles; the rest of the suite keeps its own settings.
``HYPOTHESIS_PROFILE=fuzz .venv/bin/python -m pytest -q tests/unit/fuzz`` runs the long pass.
"""

import os

from hypothesis import HealthCheck, settings

_SHARED = settings(
    deadline=None,  # a shared 2-core machine makes per-example timings noise, not a signal
    # The fixtures (moto, a recording queue) are set up once per test and reset inside each example.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("fuzz-quick", _SHARED, max_examples=60)
settings.register_profile("fuzz", _SHARED, max_examples=3000)

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "fuzz-quick")
FUZZ = settings(settings.get_profile(PROFILE if PROFILE in {"fuzz", "fuzz-quick"} else "fuzz-quick"))
