"""``engage-bridge local serve`` checks before it starts, and prints the webhook secret it generated."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from engage_bridge.centra.webhook_signature import signature_header
from engage_bridge_tools.command_line import OperatorError
from engage_bridge_tools.local.commands import serve_secrets

pytestmark = pytest.mark.integration


def test_a_generated_webhook_secret_is_printed_and_is_the_one_the_webhook_accepts(tmp_path: Path) -> None:
    environment = {name: value for name, value in os.environ.items() if name != "CENTRA_WEBHOOK_SECRET"}
    command = ["local", "serve", "--port", "0", "--log", str(tmp_path / "functions.log")]
    serve = subprocess.Popen(  # noqa: S603 - a fixed argv: this interpreter running the project's CLI
        [sys.executable, "-m", "engage_bridge_tools.cli", *command],
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=environment,
    )
    try:
        assert serve.stderr is not None
        lines = [serve.stderr.readline() for _ in range(4)]  # webhook, Centra, Engage, the generated secret
        url = lines[0].split("POST ", 1)[1].strip()
        secret = lines[3].rsplit(" ", 1)[1].strip()
        body = ("payload=" + quote(json.dumps({"events": [{"type": "order", "action": "insert",
                "date": "2026-03-02 10:15:00.000000", "id": 1001}]}), safe="")).encode()  # fmt: skip
        answer = httpx.post(
            url,
            content=body,
            headers={
                "content-type": "application/x-www-form-urlencoded",
                "x-centra-signature": signature_header(secret, int(time.time()), body),
            },
        )
        serve.send_signal(signal.SIGINT)
        serve.wait(timeout=60)
    finally:
        serve.kill()

    assert lines[3].startswith("webhook secret (generated; CENTRA_WEBHOOK_SECRET was not set): "), lines
    assert answer.status_code == 200, answer.text


def test_the_secrets_a_real_endpoint_needs_are_checked_first() -> None:
    with pytest.raises(OperatorError, match="CENTRA_TOKEN and ENGAGE_API_KEY"):
        serve_secrets("https://brand.centraqa.com/graphql", "https://engage.example", {})

    assert serve_secrets("https://brand.centraqa.com/graphql", None, {"CENTRA_TOKEN": "t"}) is not None
    assert serve_secrets(None, None, {"CENTRA_WEBHOOK_SECRET": "set"}) is None
