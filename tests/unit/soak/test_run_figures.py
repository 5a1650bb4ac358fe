"""The soak's run figures name the functions whose invocations raised, so an error is traced without the log."""

from engage_bridge_tools.local.containers import InvocationStats
from engage_bridge_tools.soak.runner import errors_by_function


def test_errors_are_counted_per_function_that_had_any_in_name_order() -> None:
    stats = {
        "RouterFunction": InvocationStats(invocations=900, errors=0),
        "EngageChangesFunction": InvocationStats(invocations=120, errors=2),
        "CentraWebhookFunction": InvocationStats(invocations=700, errors=1),
    }
    by_function = errors_by_function(stats)
    assert by_function == {"CentraWebhookFunction": 1, "EngageChangesFunction": 2}
    assert list(by_function) == ["CentraWebhookFunction", "EngageChangesFunction"]


def test_a_run_without_errors_names_none() -> None:
    assert errors_by_function({"RouterFunction": InvocationStats(invocations=10)}) == {}
