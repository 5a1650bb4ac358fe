"""The Centra Integration API token, read from SSM Parameter Store or Secrets Manager through Powertools, cached.

The token is only ever put into the ``Authorization: Bearer`` header. Errors name the secret, never its value.
Centra's tokens expire (30 days by default), so the cache is short: a rotated secret is picked up within
``max_age`` seconds.
"""

from engage_bridge.centra.outcomes import CentraRetryableError
from engage_bridge.secrets import StoredCredential, store_of

# Accepted JSON keys when the secret is stored as a JSON object instead of a plain string.
_JSON_FIELDS = ("token", "accessToken", "access_token", "apiToken", "api_token")


class StoredCentraToken(StoredCredential):
    """Callable returning the access token; Powertools caches it for ``max_age`` seconds (rotation-friendly)."""

    def __init__(self, secret_name: str, max_age: int = 300) -> None:
        super().__init__(
            secret_name,
            json_fields=_JSON_FIELDS,
            config_field="centra.token_secret",
            description="Centra token",
            unavailable=_unavailable,
            max_age=max_age,
        )


def _unavailable(secret_name: str) -> Exception:
    return CentraRetryableError(f"{store_of(secret_name)}:{secret_name}", None, detail="token unavailable")
