"""``back_in_stock.relay_stock_levels``: off, no stock level is routed to Engage, and each is counted as skipped."""

from datetime import UTC, datetime

from engage_bridge.routing import route_stock
from tests.unit.mapping.builders import config, stock_level

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def test_with_the_relay_off_every_level_is_skipped_with_its_reason() -> None:
    cfg = config(back_in_stock={"relay_stock_levels": False, "warehouses_by_market": {"2": [1]}})

    decision = route_stock([stock_level(market_id=2), stock_level(market_id=3)], NOW, cfg)

    assert decision.routed == []
    assert [skip.reason for skip in decision.skipped] == ["stock_relay_off", "stock_relay_off"]


def test_the_relay_is_on_by_default() -> None:
    decision = route_stock([stock_level()], NOW, config())

    assert len(decision.routed) == 1 and decision.skipped == []
