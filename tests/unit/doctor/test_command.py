"""``engage-bridge doctor`` from the terminal: output, --json, and exit 0 / 1 / 2 (no sockets)."""

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from engage_bridge.doctor.transport import HttpEngage, HttpGraphQL
from engage_bridge_tools.cli import main
from engage_bridge_tools.doctor import command
from tests.unit.doctor.centra_support import ScriptedCentra, contract_schema
from tests.unit.doctor.test_engage_checks import ScriptedEngage

CONFIG = {
    "engage": {"base_url": "https://brand.staging.voyado.com", "api_key_secret": "k"},
    "store_external_id": "brand.com",
    "contact_types": {"member": "Member"},
    "default_language": "sv-SE",
}


class _Closable:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.closed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CENTRA_TOKEN", "token")
    monkeypatch.setenv("ENGAGE_API_KEY", "key")
    path = tmp_path / "brand.json"
    path.write_text(json.dumps(CONFIG), encoding="utf-8")
    return path


def _tenants(monkeypatch: pytest.MonkeyPatch, centra: Any, engage: Any) -> None:
    monkeypatch.setattr(command, "HttpGraphQL", lambda *args, **kwargs: _Closable(centra))
    monkeypatch.setattr(command, "HttpEngage", lambda *args, **kwargs: _Closable(engage))


def _argv(config: Path, *extra: str) -> list[str]:
    # A staging tenant before go-live, no stack using its key: outside the budget (test_command_budget has --stack).
    centra = ["--centra-url", "https://brand.centraqa.com/graphql"]
    return ["doctor", "--config", str(config), *centra, "--outside-budget", *extra]


def test_no_failure_exits_0_with_one_line_per_check(
    config_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _tenants(monkeypatch, ScriptedCentra(contract_schema()), ScriptedEngage())

    code = main(_argv(config_file, "--skip", "centra"))

    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert any(line.startswith("PASS") and "engage.contact-type.member" in line for line in lines)
    assert any(line.startswith("CANNOT CHECK") and "engage.order-status-tags" in line for line in lines)
    assert "0 failed" in lines[-1]


def test_a_failure_exits_1_and_json_carries_every_check(
    config_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _tenants(monkeypatch, ScriptedCentra(contract_schema(without=("Order.isOnHold",))), ScriptedEngage())
    documents = {"Orders": "query Orders($n: [Int!]!) { orders(where: {number: $n}) { number isOnHold } }"}
    monkeypatch.setattr(command, "run_doctor", _with_documents(documents))

    code = main(_argv(config_file, "--json"))

    report = json.loads(capsys.readouterr().out)
    assert code == 1
    failing = [check for check in report["checks"] if check["status"] == "FAIL"]
    assert [check["check"] for check in failing] == ["centra.document.Orders"]
    assert "Cannot query field 'isOnHold' on type 'Order'" in failing[0]["reason"]
    assert report["exit_code"] == 1


def _with_documents(documents: dict[str, str]) -> Any:
    from engage_bridge.doctor.run import run_doctor

    return lambda centra, engage, config: run_doctor(centra, engage, config, documents=documents)


def test_an_unreachable_tenant_exits_2_with_one_line(
    config_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    unreachable = HttpGraphQL("https://brand.centraqa.com/graphql", "t", transport=httpx.MockTransport(refuse))
    monkeypatch.setattr(command, "HttpGraphQL", lambda *args, **kwargs: unreachable)

    code = main(_argv(config_file))

    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == ["error: Centra cannot be reached: https://brand.centraqa.com/graphql: ConnectError"]


@pytest.mark.parametrize(
    ("argv_extra", "env_missing", "message"),
    [
        ((), "CENTRA_TOKEN", "CENTRA_TOKEN must be set"),
        (("--engage-url", "ftp://x"), None, "--engage-url: 'ftp://x' is not an http(s) URL"),
    ],
)
def test_wrong_operator_input_exits_2_with_one_line(  # noqa: PLR0917 - fixtures and parameters
    config_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv_extra: tuple[str, ...],
    env_missing: str | None,
    message: str,
) -> None:
    if env_missing:
        monkeypatch.delenv(env_missing)

    code = main(_argv(config_file, *argv_extra))

    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and message in err[0]


def test_a_bad_configuration_names_its_field_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "brand.json"
    path.write_text(json.dumps({**CONFIG, "contact_types": {"member": ""}}), encoding="utf-8")

    code = main(["doctor", "--config", str(path), "--skip", "centra"])

    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and "contact_types.member" in err[0]


def test_engage_requests_carry_the_headers_voyado_requires() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(404, json={"errorCode": "ContactNotFound"})

    engage = HttpEngage(
        "https://brand.staging.voyado.com/", "secret-key", brand="brand/1", transport=httpx.MockTransport(answer)
    )
    result = engage.get("/api/v3/contacts/id", {"email": "a+b@example.com"})

    assert result.status == 404 and result.error_code() == "ContactNotFound"
    request = seen[0]
    assert request.method == "GET"
    assert request.headers["apikey"] == "secret-key"
    assert request.headers["content-type"] == "application/json"
    assert "doctor" in request.headers["user-agent"]
    assert "email=a%2Bb%40example.com" in str(request.url)


def test_each_engage_get_waits_for_its_lease_on_the_shared_budget_first() -> None:
    happened: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        happened.append("GET")
        return httpx.Response(200, json={})

    engage = HttpEngage(
        "https://brand.staging.voyado.com/",
        "secret-key",
        transport=httpx.MockTransport(answer),
        pace=lambda: happened.append("lease"),
    )
    engage.get("/api/v3/contacts/id", {"email": "a@example.com"})
    engage.get("/api/v3/consents")

    assert happened == ["lease", "GET", "lease", "GET"]


def test_centra_rate_limits_are_waited_out_as_centra_documents() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(200, json={"data": {}})])
    waits: list[float] = []
    centra = HttpGraphQL(
        "https://brand.centraqa.com/graphql",
        "t",
        transport=httpx.MockTransport(lambda r: next(answers)),
        sleep=waits.append,
    )

    result = centra.execute("{ rateLimits { type } }")

    assert result.status == 200
    assert len(waits) == 1 and 3 <= waits[0] <= 4


def test_a_centra_url_that_is_not_the_graphql_endpoint_exits_2(
    config_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    page = httpx.MockTransport(lambda request: httpx.Response(404, text="<html>Not Found</html>"))
    monkeypatch.setattr(
        command, "HttpGraphQL", lambda *args, **kwargs: HttpGraphQL("https://brand.centraqa.com/", "t", transport=page)
    )

    code = main(_argv(config_file))

    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == ["error: Centra cannot be reached: HTTP 404 without a JSON body: is this the GraphQL endpoint?"]
