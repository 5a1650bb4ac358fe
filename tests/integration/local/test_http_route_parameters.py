"""The local HTTP API matches templated routes as API Gateway does (``/feeds/{token}/{file}``) and hands the
function its path parameters; exact routes still win, and a path of another shape is a 404."""

from typing import Any

import httpx
import pytest

from engage_bridge_tools.local.http_api import LocalHttpApi
from engage_bridge_tools.local.stack import HttpRoute

pytestmark = pytest.mark.integration


class RecordingPool:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        self.events.append(event)
        return {"statusCode": 200, "headers": {"content-type": "text/plain"}, "body": "ok"}


def test_path_parameters_reach_the_function() -> None:
    feed, webhook = RecordingPool(), RecordingPool()
    routes = (HttpRoute("Feed", "GET", "/feeds/{token}/{file}"), HttpRoute("Hook", "POST", "/centra/webhook"))
    api = LocalHttpApi(routes, {"Feed": feed, "Hook": webhook}, "127.0.0.1", 0)  # type: ignore[dict-item]
    api.start()
    try:
        assert httpx.get(f"{api.url}/feeds/s3cr%2Ft/sv-SE.xml").status_code == 200
        assert httpx.post(f"{api.url}/centra/webhook", content=b"{}").status_code == 200
        assert httpx.get(f"{api.url}/feeds/only-one-segment").status_code == 404
        assert httpx.post(f"{api.url}/feeds/a/b").status_code == 404
    finally:
        api.stop()

    [event] = feed.events
    assert event["pathParameters"] == {"token": "s3cr/t", "file": "sv-SE.xml"}
    assert event["routeKey"] == "GET /feeds/{token}/{file}"
    assert "pathParameters" not in webhook.events[0]
