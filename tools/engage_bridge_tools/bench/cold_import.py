"""Cold import of each function: ``import app`` against importing only its third-party dependencies.

Each function is measured in rounds of fresh interpreters (``python -S``: no site-packages, so only the layer
folder and the function's folder can satisfy an import, as in Lambda): in a round, one interpreter runs
``import app`` and another imports its third-party modules, in alternating order from round to round, and the
rounds go through all functions in turn, so a busy moment of a shared machine falls on one round of many
functions rather than on every round of one. Times are the child's CPU time (``time.process_time``) around the
import, so interpreter start-up and the time the child waits for a core while other work runs are not counted;
the wall time is recorded beside it. A function's ratio is the median of its rounds' ratios (each round's two
interpreters ran back to back), with the lowest and highest round and the middle half of the rounds (the
quartiles) as its spread. Each function gets its template environment (references resolved to local values)
and the example brand configuration as a file, so the module-level set-up ``app`` does at import
(configuration, clients, Powertools) is part of its figure. AWS is never called at import; the credentials below
reach nothing.

- ``app``: ``import app``.
- ``dependencies``: in a fresh interpreter, import exactly the third-party modules (layer packages other than
  ``engage_bridge``) that ``import app`` loaded, in the order it loaded them. The difference between the two
  is the bridge's own code and its module-level set-up.

Against the noise of a shared machine (other work on the same cores only ever adds CPU time: a preempted
import refills its caches when it runs again):

- every timed interpreter runs on one CPU (the highest the bench may use), so both of a round's interpreters
  meet the same core and caches, and, where the bench may (root or CAP_SYS_NICE), under the real-time FIFO
  policy at the lowest real-time priority, so ordinary processes cannot preempt the import (the kernel's
  real-time throttling still leaves them 5% of that CPU; an import takes under a second);
- each interpreter reports its involuntary context switches during the import (``ru_nivcsw``): a round in which
  either import was preempted more than ``MAX_PREEMPTIONS`` times was disturbed by load and is run again, at
  most ``MAX_REPEATS`` times (the last attempt is kept and counted as disturbed), so excluded rounds are
  replaced, never just dropped; the count of rounds run again and of disturbed rounds kept is reported;
- the load average before and after the section is recorded beside the figures.

With bytecode (a ``compileall``'d copy of the folders: issue 18's figure, ``ROUNDS`` rounds) and without
(``sam build`` ships none and Lambda's file system is read-only, so a cold start compiles what it imports;
``PYTHONDONTWRITEBYTECODE`` keeps one run from caching for the next; ``ROUNDS_WITHOUT_BYTECODE`` rounds, as
compiling takes several times longer). The standard library's own bytecode is the interpreter's in both cases,
as in the Lambda runtime.
"""

import compileall
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from engage_bridge_tools.bench.layer_copy import build_layer_folder
from engage_bridge_tools.local.template import REPO, FunctionSpec, feature_on, functions, load_template

ROUNDS = 15
# A round whose import was preempted more often than this was disturbed by other work. Under the FIFO policy only
# the kernel's own work and its real-time throttling preempt an import (several times a second of back-to-back
# imports: 60-126 rounds of 255 were run again on a loaded 2-core machine, decision log 2026-12-07).
MAX_PREEMPTIONS = 5
MAX_REPEATS = 3
ROUNDS_WITHOUT_BYTECODE = 1
REGION = "eu-north-1"
ACCOUNT = "123456789012"
EXAMPLE_CONFIG = REPO / "tools/engage_bridge_tools/data/brand.example.json"
# Template parameters without a default, given local values.
PARAMETERS = {
    "EnvironmentName": "bench",
    "BrandConfigParameterName": "bench/brand-config",
    "EngageApiKeySecretName": "bench/engage-api-key",
    "CentraGraphqlUrl": "https://bench.centraqa.com/graphql",
    "CentraTokenSecretName": "bench/centra-token",
    "CentraWebhookSecretName": "bench/centra-webhook",
    "StorefrontProofSecretName": "bench/storefront-proof",
    "EngageWebhookSecretName": "bench/engage-webhook",
    "ProductFeedTokenSecretName": "bench/product-feed-token",
}
FAKE_AWS = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "POWERTOOLS_TRACE_DISABLED": "1",
}
# Each prints the CPU seconds, the wall seconds and the involuntary context switches of the import.
_CLOCKS = (
    "import resource, time; s = resource.getrusage(resource.RUSAGE_SELF).ru_nivcsw\n"
    "c, t = time.process_time(), time.perf_counter()\n"
)
_PRINT = (
    "c, t = time.process_time() - c, time.perf_counter() - t\n"
    "print(c, t, resource.getrusage(resource.RUSAGE_SELF).ru_nivcsw - s)"
)
_TIME_APP = f"{_CLOCKS}import app\n{_PRINT}"
_TIME_MODULES = (
    f"import importlib, json, sys\nnames = json.loads(sys.argv[1])\n{_CLOCKS}"
    f"for name in names: importlib.import_module(name)\n{_PRINT}"
)
_LIST_THIRD_PARTY = (
    "import json, sys; import app; layer = sys.argv[1]\n"
    "print(json.dumps([name for name, module in list(sys.modules.items())"
    " if (getattr(module, '__file__', None) or '').startswith(layer)"
    " and name.split('.')[0] != 'engage_bridge']))"
)


def run() -> dict[str, Any]:
    template = load_template()
    specs = functions(template)
    schedule = Schedule.best_available()
    results: dict[str, Any] = {
        "runs_each": ROUNDS,
        "runs_each_without_bytecode": ROUNDS_WITHOUT_BYTECODE,
        "clock": "process_time",
        "scheduling": schedule.describe(),
        "max_preemptions": MAX_PREEMPTIONS,
        "max_repeats": MAX_REPEATS,
        "load_average_before": _load_average(),
        "functions": {},
    }
    with tempfile.TemporaryDirectory() as scratch:
        config_file = example_config_file(Path(scratch))
        plain = _lambda_tree(Path(scratch) / "plain", specs)
        compiled = Path(scratch) / "compiled"
        shutil.copytree(plain, compiled)
        compileall.compile_dir(compiled, quiet=1, workers=os.cpu_count() or 1)
        measured: dict[str, tuple[dict[str, str], list[str]]] = {}
        for name, spec in specs.items():
            env = function_environment(spec, template, config_file)
            try:
                measured[name] = (env, _third_party_modules(plain, name, env))
            except RuntimeError as failed:
                # A function that calls AWS at import (a secret read at cold start) cannot be timed without it.
                results["functions"][name] = {"import_failed": str(failed).splitlines()[-1][:300]}
        # Without bytecode an import compiles for over a second and meets the real-time throttling: its one round
        # is not run again (its preemptions are reported).
        for label, tree, rounds, repeats in (
            ("with_bytecode", compiled, ROUNDS, MAX_REPEATS),
            ("without_bytecode", plain, ROUNDS_WITHOUT_BYTECODE, 0),
        ):
            samples = _rounds(tree, measured, rounds, schedule, repeats)
            for name, (_, modules) in measured.items():
                figures = results["functions"].setdefault(name, {"third_party_modules": len(modules)})
                figures[label] = summary(samples[name])
    results["load_average_after"] = _load_average()
    results["functions"] = {name: results["functions"][name] for name in specs}
    return results


class Schedule:
    """How the timed interpreters run: on one CPU, under the real-time FIFO policy where the bench may use it."""

    def __init__(self, cpu: int | None, real_time: bool) -> None:
        self.cpu, self.real_time = cpu, real_time

    @classmethod
    def best_available(cls) -> "Schedule":
        cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        return cls(cpus[-1] if len(cpus) > 1 else None, _real_time_allowed())

    def describe(self) -> str:
        cpu = f"pinned to CPU {self.cpu}" if self.cpu is not None else "not pinned (one CPU or no affinity)"
        policy = "SCHED_FIFO priority 1" if self.real_time else "the default policy (real-time not permitted)"
        return f"{cpu}, {policy}"

    def apply(self) -> None:
        """In the child, before it runs Python (``subprocess``'s ``preexec_fn``; the bench runs no threads)."""
        if self.cpu is not None:
            os.sched_setaffinity(0, {self.cpu})
        if self.real_time:
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))


def _real_time_allowed() -> bool:
    if not hasattr(os, "sched_setscheduler"):
        return False
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
    except OSError:
        return False
    os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
    return True


def _load_average() -> list[float] | None:
    return [round(load, 2) for load in os.getloadavg()] if hasattr(os, "getloadavg") else None


# app CPU s, dependencies CPU s, app wall s, dependencies wall s, preemptions of either import, rounds run again
Sample = tuple[float, float, float, float, int, int]


def _rounds(
    tree: Path, measured: dict[str, tuple[dict[str, str], list[str]]], rounds: int, schedule: Schedule, repeats: int
) -> dict[str, list[Sample]]:
    """``rounds`` samples a function, a round going through every function; within it, the two interpreters of a
    function run back to back, ``import app`` first in even rounds and second in odd ones. A round disturbed by
    load (an import preempted more than ``MAX_PREEMPTIONS`` times) is run again, at most ``repeats`` times."""
    samples: dict[str, list[Sample]] = {name: [] for name in measured}
    for number in range(rounds):
        for name, (env, modules) in measured.items():
            app_code, dependencies_code = [_TIME_APP], [_TIME_MODULES, json.dumps(modules)]
            run_again = 0
            while True:
                if number % 2 == 0:
                    app = _clocks(tree, name, env, app_code, schedule)
                    dependencies = _clocks(tree, name, env, dependencies_code, schedule)
                else:
                    dependencies = _clocks(tree, name, env, dependencies_code, schedule)
                    app = _clocks(tree, name, env, app_code, schedule)
                preemptions = max(app[2], dependencies[2])
                if preemptions <= MAX_PREEMPTIONS or run_again == repeats:
                    break
                run_again += 1
            samples[name].append((app[0], dependencies[0], app[1], dependencies[1], preemptions, run_again))
    return samples


def _clocks(
    tree: Path, name: str, env: dict[str, str], code: list[str], schedule: Schedule
) -> tuple[float, float, int]:
    cpu, wall, preemptions = _python(tree, name, env, code, schedule).split()
    return float(cpu), float(wall), int(preemptions)


def summary(samples: list[Sample]) -> dict[str, Any]:
    """Medians in milliseconds (CPU time; wall time beside it) and the median of the rounds' ratios, with its spread:
    the lowest and highest round and the quartiles."""
    ratios = [s[0] / s[1] for s in samples]
    app_ms = statistics.median(s[0] for s in samples) * 1000
    dependencies_ms = statistics.median(s[1] for s in samples) * 1000
    quartiles = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
    return {
        "app_ms": round(app_ms, 1),
        "dependencies_ms": round(dependencies_ms, 1),
        "own_code_ms": round(app_ms - dependencies_ms, 1),
        "ratio_app_to_dependencies": round(statistics.median(ratios), 2),
        "ratio_lowest": round(min(ratios), 2),
        "ratio_highest": round(max(ratios), 2),
        "ratio_quartiles": [round(quartiles[0], 2), round(quartiles[2], 2)],
        # A busy machine only ever adds time: the quickest round of each kind is the least disturbed.
        "ratio_of_quickest": round(min(s[0] for s in samples) / min(s[1] for s in samples), 2),
        "wall_app_ms": round(statistics.median(s[2] for s in samples) * 1000, 1),
        "wall_dependencies_ms": round(statistics.median(s[3] for s in samples) * 1000, 1),
        "rounds_cpu_ms": [[round(s[0] * 1000, 1), round(s[1] * 1000, 1)] for s in samples],
        "rounds_run_again": sum(s[5] for s in samples),
        "disturbed_rounds_kept": sum(s[4] > MAX_PREEMPTIONS for s in samples),
    }


def _lambda_tree(root: Path, specs: dict[str, FunctionSpec]) -> Path:
    """``root/python``: the layer as Lambda mounts it; ``root/functions/<name>``: each function's code."""
    build_layer_folder(root / "python")
    for name, spec in specs.items():
        shutil.copytree(spec.code_dir, root / "functions" / name, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _interpreter_env(tree: Path, name: str, env: dict[str, str]) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": f"{tree / 'functions' / name}{os.pathsep}{tree / 'python'}",
        # Lambda cannot write bytecode either: without this the first run would cache it for the rest.
        "PYTHONDONTWRITEBYTECODE": "1",
        **FAKE_AWS,
        **env,
    }


def _python(tree: Path, name: str, env: dict[str, str], code: list[str], schedule: Schedule | None = None) -> str:
    out = subprocess.run(  # noqa: S603 - our own interpreter and fixed snippets
        [sys.executable, "-S", "-c", *code],
        env=_interpreter_env(tree, name, env),
        cwd=tree / "functions" / name,
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=schedule.apply if schedule else None,  # the bench runs no threads
        timeout=120,  # a real-time child must not hold its CPU for long
    )
    if out.returncode != 0:
        raise RuntimeError(f"{name}: import failed:\n{out.stderr[-2000:]}")
    return out.stdout.strip().splitlines()[-1]  # the handler's own start-up logs may come first


def _third_party_modules(tree: Path, name: str, env: dict[str, str]) -> list[str]:
    layer = str(tree / "python") + os.sep
    modules: list[str] = json.loads(_python(tree, name, env, [_LIST_THIRD_PARTY, layer]))
    return modules


def example_config_file(folder: Path) -> Path:
    """The example brand configuration as a file in ``folder``, its Engage key the stack's (``PARAMETERS``)."""
    config = json.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    config["engage"]["api_key_secret"] = PARAMETERS["EngageApiKeySecretName"]
    config_file = folder / "brand.json"
    config_file.write_text(json.dumps(config), encoding="utf-8")
    return config_file


def function_environment(spec: FunctionSpec, template: dict[str, Any], config_file: Path) -> dict[str, str]:
    """The function's variables as deployed with ``PARAMETERS`` (references resolved from the template itself),
    its brand configuration read from ``config_file``."""
    variables = {name: _resolve(value, template) for name, value in spec.environment.items()}
    return {**variables, "BRAND_CONFIG_FILE": str(config_file)}


def _resolve(value: Any, template: dict[str, Any]) -> str:
    if isinstance(value, str | int | float):
        return str(value)
    if "Ref" in value:
        return _ref(value["Ref"], template)
    if (on := feature_on(value)) is not None:  # measured with every feature on
        return _resolve(on, template)
    if "Fn::FindInMap" in value:
        mapping, first, second = value["Fn::FindInMap"]
        return str(template["Mappings"][mapping][first][second])
    if "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
        return re.sub(r"\$\{([^}]+)\}", lambda m: _ref(m.group(1), template), value["Fn::Sub"])
    raise ValueError(f"cannot resolve {value!r} locally")


def _ref(name: str, template: dict[str, Any]) -> str:
    if name in PARAMETERS:
        return PARAMETERS[name]
    parameter = template.get("Parameters", {}).get(name)
    if parameter is not None:
        if "Default" not in parameter:
            raise KeyError(f"template parameter {name} has no default and no local value")
        return str(parameter["Default"])
    resource_type = template["Resources"][name]["Type"]
    if resource_type == "AWS::SQS::Queue":
        return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}"
    return name  # a table or bucket: its logical id stands for its name
