"""The pip-audit verdict: a clean audit passes, a finding or a partly unaudited lock fails, "not audited" is said."""

from typing import Any

from engage_bridge_tools.lock_audit import verdict


def package(name: str, vulns: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"name": name, "version": "1.0", "vulns": vulns or []}


def skipped(name: str) -> dict[str, Any]:
    return {"name": name, "skip_reason": f"Dependency not found on PyPI and could not be audited: {name} (1.0)"}


def test_a_clean_audit_passes_and_says_how_many_packages_it_checked() -> None:
    result = verdict({"dependencies": [package("httpx"), package("pydantic")]}, required=False)

    assert result.exit_code == 0
    assert result.lines == ("pip-audit: 2 pinned packages, no known vulnerability",)


def test_a_known_vulnerability_fails_and_names_the_fix() -> None:
    vuln = {"id": "GHSA-xxxx", "fix_versions": ["1.1"]}

    result = verdict({"dependencies": [package("httpx"), package("h11", [vuln])]}, required=False)

    assert result.exit_code == 1
    assert "VULNERABLE h11==1.0: GHSA-xxxx (fixed in 1.1)" in result.lines


def test_a_package_the_service_does_not_know_fails_the_audit() -> None:
    result = verdict({"dependencies": [package("httpx"), skipped("private-thing")]}, required=False)

    assert result.exit_code == 1
    assert any(line.startswith("NOT AUDITED private-thing") for line in result.lines)


def test_an_unreachable_service_is_reported_and_fails_only_when_required() -> None:
    report = {"dependencies": [skipped("httpx"), skipped("pydantic")]}

    relaxed, strict = verdict(report, required=False), verdict(report, required=True)

    assert (relaxed.exit_code, strict.exit_code) == (0, 1)
    assert "NOT AUDITED" in relaxed.lines[-1] and "2 packages" in relaxed.lines[-1]


def test_an_empty_report_is_not_a_pass() -> None:
    assert verdict({"dependencies": []}, required=False).exit_code == 1
