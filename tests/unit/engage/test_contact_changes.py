"""An update sends only changed, non-empty fields: Engage blanks whatever it receives empty."""

from engage_bridge.engage.contact_changes import changed_fields, is_empty


def test_empty_values_are_never_sent() -> None:
    changes: dict[str, object] = {
        "firstName": "Ada",
        "lastName": "",
        "city": None,
        "street": "  ",
        "consents": [],
        "zipCode": "41208",
    }
    assert changed_fields(changes) == {"firstName": "Ada", "zipCode": "41208"}


def test_values_engage_already_holds_are_not_sent() -> None:
    current = {"firstName": "Ada", "city": "Göteborg", "preferences": {"acceptsEmail": True, "acceptsSms": False}}
    changes = {"firstName": "Ada ", "city": "Malmö", "preferences": {"acceptsEmail": True, "acceptsSms": True}}
    assert changed_fields(changes, current) == {"city": "Malmö", "preferences": {"acceptsSms": True}}


def test_false_and_zero_are_values_not_blanks() -> None:
    assert changed_fields({"acceptsEmail": False, "points": 0}) == {"acceptsEmail": False, "points": 0}
    assert not is_empty(False)
    assert is_empty({"a": None, "b": ""})


def test_nothing_changed_means_nothing_to_send() -> None:
    assert changed_fields({"firstName": "Ada", "lastName": None}, {"firstName": "Ada"}) == {}
