"""The cold-import figures of a function: per-round ratios, their median and spread (bench ``cold_import``)."""

from engage_bridge_tools.bench.cold_import import summary


def test_the_ratio_is_the_median_of_the_rounds_ratios_with_the_lowest_and_highest_beside_it() -> None:
    # (app CPU s, dependencies CPU s, app wall s, dependencies wall s, preemptions, times run again): the third
    # round ran on a busy machine, was run again twice and still preempted.
    rounds = [(0.33, 0.30, 0.40, 0.35, 0, 0), (0.36, 0.30, 0.41, 0.36, 2, 1), (0.66, 0.40, 1.90, 0.50, 40, 2)]

    figures = summary(rounds)

    assert figures["ratio_app_to_dependencies"] == 1.2  # 1.1, 1.2, 1.65: the busy round moves the spread only
    assert (figures["ratio_lowest"], figures["ratio_highest"]) == (1.1, 1.65)
    assert (figures["app_ms"], figures["dependencies_ms"], figures["own_code_ms"]) == (360.0, 300.0, 60.0)
    assert figures["ratio_of_quickest"] == 1.1  # 330 / 300 ms
    assert figures["rounds_cpu_ms"] == [[330.0, 300.0], [360.0, 300.0], [660.0, 400.0]]
    assert (figures["wall_app_ms"], figures["wall_dependencies_ms"]) == (410.0, 360.0)
    assert figures["ratio_quartiles"] == [1.1, 1.65]  # three rounds: the quartiles fall on the outer ones
    assert (figures["rounds_run_again"], figures["disturbed_rounds_kept"]) == (3, 1)
