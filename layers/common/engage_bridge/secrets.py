"""Credentials from Secrets Manager, through Powertools (cached ``max_age`` seconds, so a rotation is picked up).

A secret holds the credential as a plain string, or as a JSON object with the credential under one of a few
customary keys. The value only ever goes into a request header; errors name the secret, never its value.
"""

import contextlib
import json
from collections.abc import Callable, Sequence

from engage_bridge.errors import ConfigError


class SecretsManagerCredential:
    """Callable returning the credential stored in ``secret_name``."""

    def __init__(
        self,
        secret_name: str,
        *,
        json_fields: Sequence[str],
        config_field: str,
        description: str,
        unavailable: Callable[[str], Exception],
        max_age: int = 300,
    ) -> None:
        self.secret_name = secret_name
        self.max_age = max_age
        self._json_fields = tuple(json_fields)
        self._config_field = config_field
        self._description = description
        self._unavailable = unavailable

    def __call__(self) -> str:
        from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415 - keeps cold start lean

        try:
            value = parameters.get_secret(self.secret_name, max_age=self.max_age)
        except parameters.exceptions.GetParameterError:
            # Throttling or a transient outage is the common cause; a wrong name ends in the DLQ.
            raise self._unavailable(self.secret_name) from None
        return self._extract(value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.secret_name!r})"

    def _extract(self, value: object) -> str:
        text = value.decode("utf-8") if isinstance(value, bytes) else value
        if isinstance(text, str) and text.lstrip().startswith("{"):
            with contextlib.suppress(json.JSONDecodeError):
                text = json.loads(text)
        if isinstance(text, dict):
            text = next((text[name] for name in self._json_fields if isinstance(text.get(name), str)), None)
        if not isinstance(text, str) or not text.strip():
            raise ConfigError(self._config_field, f"secret {self.secret_name} holds no usable {self._description}")
        return text.strip()
