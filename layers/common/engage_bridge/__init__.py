"""Shared code of centra-engage-bridge: configuration, models, mapping and adapters.

This package is what the Lambda layer ships; the handlers in ``functions/`` import it.
"""

__version__ = "0.1.0"
