"""Cold import of each function: ``import app`` against importing only its third-party dependencies.

Every figure is the median of ``RUNS`` fresh interpreters, the two kinds alternating (``python -S``: no
site-packages, so only the layer folder and the function's folder can satisfy an import, as in Lambda), timed
inside the interpreter around the import, so interpreter start-up is not counted. Each function gets its
template environment (references resolved to local values) and the example brand configuration as a file,
so the module-level set-up ``app`` does at import (configuration, clients, Powertools) is part of its figure.
AWS is never called at import; the credentials below reach nothing.

- ``app``: ``import app``.
- ``dependencies``: in a fresh interpreter, import exactly the third-party modules (layer packages other than
  ``engage_bridge``) that ``import app`` loaded, in the order it loaded them. The difference between the two
  is the bridge's own code and its module-level set-up.

Both without bytecode (``sam build`` ships none and Lambda's file system is read-only, so every cold start
compiles what it imports; ``PYTHONDONTWRITEBYTECODE`` keeps one run from caching for the next) and with
bytecode (a ``compileall``'d copy of the same folders). The standard library's own bytecode is the
interpreter's in both cases, as in the Lambda runtime.
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

RUNS = 5
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
_TIME_APP = "import time; t = time.perf_counter(); import app; print(time.perf_counter() - t)"
_TIME_MODULES = (
    "import importlib, json, sys, time; names = json.loads(sys.argv[1]); t = time.perf_counter()\n"
    "for name in names: importlib.import_module(name)\n"
    "print(time.perf_counter() - t)"
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
    results: dict[str, Any] = {"runs_each": RUNS, "functions": {}}
    with tempfile.TemporaryDirectory() as scratch:
        config_file = example_config_file(Path(scratch))
        plain = _lambda_tree(Path(scratch) / "plain", specs)
        compiled = Path(scratch) / "compiled"
        shutil.copytree(plain, compiled)
        compileall.compile_dir(compiled, quiet=1, workers=os.cpu_count() or 1)
        for name, spec in specs.items():
            env = function_environment(spec, template, config_file)
            try:
                modules = _third_party_modules(plain, name, env)
            except RuntimeError as failed:
                # A function that calls AWS at import (a secret read at cold start) cannot be timed without it.
                results["functions"][name] = {"import_failed": str(failed).splitlines()[-1][:300]}
                continue
            figures: dict[str, Any] = {"third_party_modules": len(modules)}
            for label, tree in (("without_bytecode", plain), ("with_bytecode", compiled)):
                app_ms, dependencies_ms = _medians_ms(
                    tree, name, env, [_TIME_APP], [_TIME_MODULES, json.dumps(modules)]
                )
                figures[label] = {
                    "app_ms": app_ms,
                    "dependencies_ms": dependencies_ms,
                    "own_code_ms": round(app_ms - dependencies_ms, 1),
                    "ratio_app_to_dependencies": round(app_ms / dependencies_ms, 2),
                }
            results["functions"][name] = figures
    return results


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


def _python(tree: Path, name: str, env: dict[str, str], code: list[str]) -> str:
    out = subprocess.run(  # noqa: S603 - our own interpreter and fixed snippets
        [sys.executable, "-S", "-c", *code],
        env=_interpreter_env(tree, name, env),
        cwd=tree / "functions" / name,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{name}: import failed:\n{out.stderr[-2000:]}")
    return out.stdout.strip().splitlines()[-1]  # the handler's own start-up logs may come first


def _third_party_modules(tree: Path, name: str, env: dict[str, str]) -> list[str]:
    layer = str(tree / "python") + os.sep
    modules: list[str] = json.loads(_python(tree, name, env, [_LIST_THIRD_PARTY, layer]))
    return modules


def _medians_ms(tree: Path, name: str, env: dict[str, str], first: list[str], second: list[str]) -> tuple[float, float]:
    """Median milliseconds of two snippets, run alternately so a busy moment of the machine hits both alike."""
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(RUNS):
        for code, into in ((first, samples[0]), (second, samples[1])):
            into.append(float(_python(tree, name, env, code)) * 1000)
    return round(statistics.median(samples[0]), 1), round(statistics.median(samples[1]), 1)


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
