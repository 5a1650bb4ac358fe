"""Engage's encrypted webhook payloads (``isEncrypted: true``), decrypted as Voyado's soft identification tokens.

Voyado: decrypt "in the same way as with Soft identification" (using webhooks in Engage): AES-256-CBC with the
shared 32-character key, the IV is the first 16 bytes and the ciphertext follows, Base64 made URL-safe (``-``/``_``,
padding may be stripped) (engage-api.md §7, engage-wave2.md §1.2). PKCS#7 padding is the CBC default assumed here.
The AES primitive is ``cryptography``'s (a runtime dependency, built into the layer for arm64).
"""

import base64
import binascii
import json
from typing import Any

_IV_BYTES = 16
_KEY_LENGTH = 32


class PayloadUnreadable(Exception):
    """The payload cannot be decrypted here (a key of the wrong length, or not what the key encrypted)."""


def decrypt_payload(token: str, key: str) -> dict[str, Any]:
    # Loaded with the first encrypted payload: a change that names its contact id needs no AES (cold start).
    from cryptography.hazmat.primitives import padding  # noqa: PLC0415
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # noqa: PLC0415

    if len(key.encode("utf-8")) != _KEY_LENGTH:
        raise PayloadUnreadable("the encryption key must be 32 characters")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise PayloadUnreadable("not Base64") from None
    if len(raw) <= _IV_BYTES or (len(raw) - _IV_BYTES) % _IV_BYTES:
        raise PayloadUnreadable("not an IV followed by whole AES blocks")
    decryptor = Cipher(algorithms.AES(key.encode("utf-8")), modes.CBC(raw[:_IV_BYTES])).decryptor()
    padded = decryptor.update(raw[_IV_BYTES:]) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        plain = unpadder.update(padded) + unpadder.finalize()
        document = json.loads(plain)
    except (ValueError, UnicodeDecodeError):
        raise PayloadUnreadable("the key does not decrypt it to JSON") from None
    if not isinstance(document, dict):
        raise PayloadUnreadable("the decrypted payload is not an object")
    return document
