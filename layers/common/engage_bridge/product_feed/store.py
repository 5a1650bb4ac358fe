"""Where the feed files live: the stack's feed bucket, one object per locale (``product-feed/<locale>.xml``)."""

import re
from typing import Any, Final

PREFIX: Final = "product-feed/"
CONTENT_TYPE: Final = "application/xml; charset=utf-8"
_LOCALE: Final = re.compile(r"^[a-z]{2}-[A-Z]{2}$")


def feed_key(locale: str) -> str:
    """The object key of ``locale``'s feed; anything but a locale like sv-SE is refused (no path games)."""
    if not _LOCALE.fullmatch(locale):
        raise ValueError(f"not a locale: {locale!r}")
    return f"{PREFIX}{locale}.xml"


class S3FeedStore:
    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self.bucket = bucket

    def put(self, locale: str, body: bytes) -> str:
        key = feed_key(locale)
        self._client.put_object(
            Bucket=self.bucket, Key=key, Body=body, ContentType=CONTENT_TYPE, CacheControl="no-cache"
        )
        return key

    def get(self, locale: str) -> bytes | None:
        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=feed_key(locale))
        except self._client.exceptions.NoSuchKey:
            return None
        body: bytes = answer["Body"].read()
        return body
