"""pip-audit on the pinned locks (``make security``), with a verdict that tells "clean" from "not audited".

pip-audit asks PyPI's vulnerability data one pinned release at a time. Where that service does not answer,
pip-audit reports every package as skipped and still exits 0; this wrapper says so instead of passing
quietly, and fails when only *some* packages could not be audited (one we cannot vouch for) or when any has
a known vulnerability. ``--required`` also fails when nothing could be audited.

Usage: ``python -m engage_bridge_tools.lock_audit [--required] LOCK [LOCK ...]``
"""

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Vulnerabilities accepted on purpose, each with its reason: id -> why. Empty: upgrade the lock instead.
IGNORED_VULNERABILITIES: Mapping[str, str] = {}


@dataclass(frozen=True)
class Verdict:
    exit_code: int
    lines: tuple[str, ...]


def verdict(report: Mapping[str, Any], *, required: bool) -> Verdict:
    """Judge pip-audit's JSON report: ``{"dependencies": [{"name", "version", "vulns"} | {"name", "skip_reason"}]}``."""
    dependencies: list[dict[str, Any]] = list(report.get("dependencies", []))
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if "skip_reason" in d]
    lines: list[str] = []
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
            lines.append(f"VULNERABLE {dependency['name']}=={dependency['version']}: {vuln['id']} (fixed in {fixed})")
    if dependencies and len(skipped) == len(dependencies):
        reason = skipped[0]["skip_reason"]
        lines.append(
            f"pip-audit: NOT AUDITED: the vulnerability service answered for none of {len(dependencies)} packages "
            f"(e.g. {reason!r}); run `make security PIP_AUDIT=required` where it is reachable"
        )
        return Verdict(1 if required or vulnerable else 0, tuple(lines))
    lines.extend(f"NOT AUDITED {d['name']}: {d['skip_reason']}" for d in skipped)
    if vulnerable or skipped or not dependencies:
        if not dependencies:
            lines.append("pip-audit: no packages found in the locks")
        return Verdict(1, tuple(lines))
    lines.append(f"pip-audit: {len(dependencies)} pinned packages, no known vulnerability")
    return Verdict(0, tuple(lines))


def run_pip_audit(locks: Sequence[Path]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "audit.json"
        command = [sys.executable, "-m", "pip_audit", "--no-deps", "--disable-pip", "--progress-spinner", "off"]
        command += ["--format", "json", "--output", str(out)]
        for vuln_id in IGNORED_VULNERABILITIES:
            command += ["--ignore-vuln", vuln_id]
        for lock in locks:
            command += ["-r", str(lock)]
        # Exit code 1 means "vulnerabilities found"; the report says which, so it is read either way.
        finished = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - our argv
        if not out.exists():
            raise SystemExit(f"pip-audit failed (exit {finished.returncode}):\n{finished.stderr}")
        report: dict[str, Any] = json.loads(out.read_text())
        return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("locks", nargs="+", type=Path)
    parser.add_argument("--required", action="store_true", help="fail when nothing could be audited")
    args = parser.parse_args(argv)
    result = verdict(run_pip_audit(args.locks), required=args.required)
    print("\n".join(result.lines))
    return result.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
