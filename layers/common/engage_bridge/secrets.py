"""Credentials from SSM Parameter Store or Secrets Manager, through Powertools (cached ``max_age`` seconds).

A reference names where a credential is kept: a name starting with ``/`` is an SSM SecureString parameter
(standard tier: no monthly charge), anything else a Secrets Manager secret ($0.40 a month each). Either holds the
credential as a plain string, or as a JSON object with the credential under one of a few customary keys. The
value only ever goes into a request header or a signature check; errors name the reference, never its value.
"""

import contextlib
import json
import re
from collections.abc import Callable, Sequence
from typing import Annotated

from pydantic import AfterValidator

from engage_bridge.errors import ConfigError

# SSM: letters, digits and _.- between slashes (hierarchical names start with /); Secrets Manager: its own set.
_PARAMETER_NAME = re.compile(r"(/[a-zA-Z0-9_.\-]+)+")
_SECRET_NAME = re.compile(r"[a-zA-Z0-9/_+=.@\-]+")


def in_parameter_store(reference: str) -> bool:
    """An SSM parameter (its name starts with ``/``), not a Secrets Manager secret."""
    return reference.startswith("/")


def store_of(reference: str) -> str:
    """``ssm`` or ``secretsmanager``: where a reference is read, as errors and logs name it."""
    return "ssm" if in_parameter_store(reference) else "secretsmanager"


def check_reference(reference: str) -> str:
    """``reference`` if it names an SSM parameter (``/...``) or a Secrets Manager secret; ``ValueError`` if not."""
    if in_parameter_store(reference):
        if not _PARAMETER_NAME.fullmatch(reference):
            raise ValueError("an SSM parameter name has only letters, digits and _ . - between its slashes")
    elif not _SECRET_NAME.fullmatch(reference):
        raise ValueError("neither an SSM parameter name (starting with /) nor a Secrets Manager secret name")
    return reference


# An environment variable naming a credential: checked at cold start, so a bad one fails with the variable's name.
SecretReference = Annotated[str, AfterValidator(check_reference)]


def read_secret(reference: str, max_age: int = 300) -> str:
    """The stored value, from SSM (decrypted) or Secrets Manager; Powertools caches it ``max_age`` seconds.

    Raises Powertools' ``GetParameterError`` when the store does not answer or holds no such name.
    """
    from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415 - keeps cold start lean

    if in_parameter_store(reference):
        value = parameters.get_parameter(reference, decrypt=True, max_age=max_age)
    else:
        value = parameters.get_secret(reference, max_age=max_age)
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


class StoredCredential:
    """Callable returning the credential stored under ``secret_name`` (an SSM parameter or a secret)."""

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
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError  # noqa: PLC0415

        try:
            value = read_secret(self.secret_name, max_age=self.max_age)
        except GetParameterError:
            # Throttling or a transient outage is the common cause; a wrong name ends in the DLQ.
            raise self._unavailable(self.secret_name) from None
        return self._extract(value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.secret_name!r})"

    def _extract(self, value: str) -> str:
        text: object = value
        if value.lstrip().startswith("{"):
            with contextlib.suppress(json.JSONDecodeError):
                text = json.loads(value)
        if isinstance(text, dict):
            text = next((text[name] for name in self._json_fields if isinstance(text.get(name), str)), None)
        if not isinstance(text, str) or not text.strip():
            raise ConfigError(self._config_field, f"secret {self.secret_name} holds no usable {self._description}")
        return text.strip()
