"""The Engage API key, read from SSM Parameter Store or Secrets Manager through Powertools and cached.

The key is only ever put into the ``apikey`` header. Errors name the secret, never its value.
"""

from engage_bridge.engage.outcomes import EngageRetryableError
from engage_bridge.secrets import StoredCredential, store_of

# Accepted JSON keys when the secret is stored as a JSON object instead of a plain string.
_JSON_FIELDS = ("apikey", "apiKey", "api_key")


class StoredEngageApiKey(StoredCredential):
    """Callable returning the Engage API key; Powertools caches it for ``max_age`` seconds (rotation-friendly)."""

    def __init__(self, secret_name: str, max_age: int = 300) -> None:
        super().__init__(
            secret_name,
            json_fields=_JSON_FIELDS,
            config_field="engage.api_key_secret",
            description="Engage API key",
            unavailable=_unavailable,
            max_age=max_age,
        )


def _unavailable(secret_name: str) -> Exception:
    where = f"{store_of(secret_name)}:{secret_name}"
    return EngageRetryableError("GET", where, None, None, maybe_applied=False, detail="key unavailable")
