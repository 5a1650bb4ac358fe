"""``engage-bridge local invoke`` as a user runs it (each call its own local stack, so apart from the shared one)."""

import json
from pathlib import Path

import pytest

from engage_bridge_tools.cli import main
from engage_bridge_tools.local.template import REPO

pytestmark = pytest.mark.integration


def test_the_command_prints_the_result_and_what_was_queued(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["local", "invoke", "centra_webhook", "--event", str(REPO / "events/centra_webhook.json"),
                 "--log", str(tmp_path / "log")])  # fmt: skip

    out, err = capsys.readouterr()
    assert code == 0
    assert json.loads(out)["statusCode"] == 200
    assert "queued: IngestQueue 2" in err


def test_keep_signature_sends_the_sample_as_written_and_shows_the_refusal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["local", "invoke", "CentraWebhookFunction", "--event", str(REPO / "events/centra_webhook.json"),
                 "--keep-signature", "--log", str(tmp_path / "log")])  # fmt: skip

    out, err = capsys.readouterr()
    assert code == 0
    assert json.loads(out)["statusCode"] == 401
    assert "queued: nothing" in err


def test_an_unknown_function_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["local", "invoke", "no_such", "--event", str(REPO / "events/router.json"),
                 "--log", str(tmp_path / "log")])  # fmt: skip

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("engage-bridge local: no function 'no_such'") and err.count("\n") == 1
