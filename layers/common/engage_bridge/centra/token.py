"""The Centra Integration API token, read from Secrets Manager through Powertools and cached.

The token is only ever put into the ``Authorization: Bearer`` header. Errors name the secret, never its value.
Centra's tokens expire (30 days by default), so the cache is short: a rotated secret is picked up within
``max_age`` seconds.
"""

import contextlib
import json

from engage_bridge.centra.outcomes import CentraRetryableError
from engage_bridge.errors import ConfigError

# Accepted JSON keys when the secret is stored as a JSON object instead of a plain string.
_JSON_FIELDS = ("token", "accessToken", "access_token", "apiToken", "api_token")


class SecretsManagerToken:
    """Callable returning the access token; Powertools caches it for ``max_age`` seconds (rotation-friendly)."""

    def __init__(self, secret_name: str, max_age: int = 300) -> None:
        self.secret_name = secret_name
        self.max_age = max_age

    def __call__(self) -> str:
        from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415 - keeps cold start lean

        try:
            value = parameters.get_secret(self.secret_name, max_age=self.max_age)
        except parameters.exceptions.GetParameterError:
            # Throttling or a transient outage is the common cause; a wrong name ends in the DLQ.
            raise CentraRetryableError(f"secretsmanager:{self.secret_name}", None, detail="token unavailable") from None
        return _extract(value, self.secret_name)

    def __repr__(self) -> str:
        return f"SecretsManagerToken({self.secret_name!r})"


def _extract(value: object, secret_name: str) -> str:
    text = value.decode("utf-8") if isinstance(value, bytes) else value
    if isinstance(text, str) and text.lstrip().startswith("{"):
        with contextlib.suppress(json.JSONDecodeError):
            text = json.loads(text)
    if isinstance(text, dict):
        text = next((text[name] for name in _JSON_FIELDS if isinstance(text.get(name), str)), None)
    if not isinstance(text, str) or not text.strip():
        raise ConfigError("centra.token_secret", f"secret {secret_name} holds no usable Centra token")
    return text.strip()
