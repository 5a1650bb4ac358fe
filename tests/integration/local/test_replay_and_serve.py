"""``engage-bridge replay`` and ``engage-bridge local serve`` as a user runs them."""

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from engage_bridge_tools.cli import main
from engage_bridge_tools.local.template import REPO

pytestmark = pytest.mark.integration

DATA = REPO / "tools/engage_bridge_tools/data"
SHOP = json.loads((DATA / "sample-shop.json").read_text(encoding="utf-8"))
CONFIG = json.loads((DATA / "brand.example.json").read_text(encoding="utf-8"))


def write(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_replay_writes_every_engage_request_in_arrival_order(tmp_path: Path) -> None:
    out = tmp_path / "requests.jsonl"

    code = main(["replay", str(DATA / "sample-shop.json"), "--config", str(DATA / "brand.example.json"),
                 "--requests-out", str(out), "--log", str(tmp_path / "log")])  # fmt: skip

    requests = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert code == 0
    assert all(set(request) == {"method", "path", "query", "body"} for request in requests)
    orders = [r["body"]["orderNumber"] for r in requests if r["path"] == "/api/v2/orders"]
    assert "1004" not in orders  # the wholesale order sends nothing
    assert {"1001", "1002", "1005"} <= set(orders)
    assert any(r["path"] == "/api/v3/receipts" for r in requests)


def test_replay_exits_1_and_names_what_ended_in_a_dead_letter_queue(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = json.loads(json.dumps(SHOP))
    shop["markets"][1]["name"] = "Far Away"  # a store id Engage cannot take, and no alias for it in the config

    code = main(["replay", str(write(tmp_path / "shop.json", shop)), "--config", str(DATA / "brand.example.json"),
                 "--requests-out", str(tmp_path / "out.jsonl"), "--log", str(tmp_path / "log")])  # fmt: skip

    assert code == 1
    assert "dead letter in" in capsys.readouterr().err


def test_replay_refuses_a_broken_shop_file_with_exit_2_naming_the_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = json.loads(json.dumps(SHOP))
    shop["orders"][1]["customer"] = {"id": 99}

    code = main(["replay", str(write(tmp_path / "shop.json", shop)), "--config", str(DATA / "brand.example.json"),
                 "--requests-out", str(tmp_path / "out.jsonl")])  # fmt: skip

    assert code == 2
    assert "orders[1].customer" in capsys.readouterr().err
    assert not (tmp_path / "out.jsonl").exists()


def test_replay_refuses_a_bad_configuration_with_exit_2_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = {**CONFIG, "contact_sync": "sometimes"}

    code = main(["replay", str(DATA / "sample-shop.json"), "--config", str(write(tmp_path / "brand.json", config)),
                 "--requests-out", str(tmp_path / "out.jsonl")])  # fmt: skip

    assert code == 2
    assert "contact_sync" in capsys.readouterr().err


def test_local_serve_prints_the_webhook_url_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    command = ["local", "serve", "--port", "0", "--log", str(tmp_path / "functions.log")]
    serve = subprocess.Popen(  # noqa: S603 - a fixed argv: this interpreter running the project's CLI
        [sys.executable, "-m", "engage_bridge_tools.cli", *command],
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        assert serve.stderr is not None
        first = serve.stderr.readline()  # printed once the stack is up and the route is served
        serve.send_signal(signal.SIGINT)
        code = serve.wait(timeout=60)
        rest = serve.stderr.read()
    finally:
        serve.kill()

    assert first.startswith("webhook: POST http://127.0.0.1:"), first + rest
    assert first.rstrip().endswith("/centra/webhook")
    assert code == 0, rest
