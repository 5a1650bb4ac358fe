"""Receipt probes are mapped only for a check of Engage's imports; the scheduled reconciliation makes none."""

from engage_bridge.reconcile.expected import expected_for_order
from tests.unit.mapping.builders import config, order


def test_an_order_maps_its_receipt_ids_only_when_asked_and_expects_the_same_effects_either_way() -> None:
    cfg = config()
    asked = expected_for_order(order(), cfg)
    not_asked = expected_for_order(order(), cfg, receipt_probes=False)

    # Order 500's one shipped shipment (500-1) and its completed return 9 (builders.order_document).
    assert [probe.receipt_ids for probe in asked.receipts] == [
        {"receipt:purchase:shipment:11": "500-1", "receipt:return:return:9": "500-1-9"}
    ]
    assert not_asked.receipts == []
    assert (not_asked.effects, not_asked.probes, not_asked.untracked) == (asked.effects, asked.probes, asked.untracked)
