"""Contact types per sync mode, what each contact carries, and updates that never blank a field."""

from typing import Any

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engage_bridge.centra import Customer
from engage_bridge.engage.models import ContactUpdate, Preferences
from engage_bridge.mapping import contact_role, member_update, newsletter_contact, order_contact, subscription_update
from engage_bridge.mapping.contacts import INVALID_PHONE, customer_contact
from engage_bridge.mapping.phones import mobile_phone
from tests.unit.mapping.builders import (
    config,
    contact_id_attribute,
    customer,
    newsletter_subscription,
    order,
    order_document,
)


@pytest.mark.parametrize(
    ("mode", "registered", "has_engage_id", "expected"),
    [
        ("all", False, False, "member"),
        ("registered", True, False, "member"),
        ("registered", False, False, "transactional"),
        ("with_engage_id", True, False, "transactional"),
        ("with_engage_id", False, True, "member"),
        ("none", True, True, "transactional"),
    ],
)
def test_contact_sync_modes(mode: str, registered: bool, has_engage_id: bool, expected: str) -> None:
    attributes = contact_id_attribute() if has_engage_id else []
    someone = customer(registered=registered, attributes=attributes)

    assert contact_role(someone, config(contact_sync=mode)) == expected


def test_without_transactional_emails_a_non_member_gets_no_contact() -> None:
    cfg = config(contact_sync="registered", transactional_emails=False)

    assert contact_role(customer(registered=False), cfg) is None


def test_a_guest_order_without_customer_record_is_transactional_under_registered() -> None:
    assert contact_role(None, config(contact_sync="registered")) == "transactional"


def test_contact_type_handles_come_from_config_verbatim() -> None:
    cfg = config(contact_types={"member": "Member", "transactional": "transactContact", "newsletter": "Contact"})

    assert order_contact(order(), "member", cfg).contact_type == "Member"
    assert order_contact(order(), "transactional", cfg).contact_type == "transactContact"
    assert newsletter_contact(newsletter_subscription(), cfg).contact_type == "Contact"


def test_a_new_member_carries_all_personal_data_and_no_consent_from_an_order() -> None:
    # The order's customer says newsletter: false; an order never carries acceptsEmail either way (consent rules).
    body = order_contact(order(), "member", config()).body()

    assert body == {
        "contactType": "member",
        "email": "astrid@example.com",
        "firstName": "Astrid",
        "lastName": "Lindgren",
        "birthDay": "1907-11-14",
        "gender": "Female",
        "mobilePhone": "+46701234567",
        "street": "Drottninggatan 1",
        "zipCode": "11151",
        "city": "Stockholm",
        "countryCode": "SE",
    }


def test_a_transactional_contact_carries_only_email_gender_and_country() -> None:
    body = order_contact(order(), "transactional", config()).body()

    assert body == {"contactType": "transactionalContact", "email": "astrid@example.com", "gender": "Female",
                    "countryCode": "SE"}  # fmt: skip


def test_opt_in_is_never_inferred_when_the_customer_record_does_not_say() -> None:
    document = order_document()
    del document["customer"]["newsletter"]

    body = order_contact(order(document), "member", config()).body()

    assert "preferences" not in body


def test_a_newsletter_subscription_becomes_a_contact_with_its_subscription() -> None:
    body = newsletter_contact(newsletter_subscription(subscribed=False), config()).body()

    assert body == {"contactType": "contact", "email": "reader@example.com", "countryCode": "NO",
                    "preferences": {"acceptsEmail": False}}  # fmt: skip


def test_member_updates_only_with_customer_updates_on() -> None:
    assert member_update(customer(), config(customer_updates=False)) is None

    update = member_update(customer(), config(customer_updates=True))

    assert update is not None
    assert update.body() == {
        "firstName": "Astrid",
        "lastName": "Lindgren",
        "birthDay": "1907-11-14",
        "gender": "Female",
        "mobilePhone": "+46701234567",
        "zipCode": "11151",
        "city": "Stockholm",
        "countryCode": "SE",
    }


def test_member_update_leaves_out_what_the_customer_record_lacks() -> None:
    sparse = Customer.model_validate({"id": 1, "email": "a@example.com", "lastName": "Only", "phoneNumber": "070"})

    update = member_update(sparse, config(customer_updates=True))

    assert update is not None
    assert update.body() == {"lastName": "Only"}


def test_subscription_preferences_are_sent_whatever_customer_updates_says() -> None:
    assert subscription_update(False).body() == {"preferences": {"acceptsEmail": False}}


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("+46 70-123 45 67", None, "+46701234567"),
        ("070-123 45 67", "SE", "+46701234567"),  # national form, read in the address country
        ("+34701235456", "SE", "+34701235456"),  # an international number keeps its own country (seed 001)
        ("+44 7911 123456", "se", "+447911123456"),
    ],
)
def test_phone_numbers_are_sent_as_e164(raw: str, country: str | None, expected: str) -> None:
    assert mobile_phone(raw, country).e164 == expected


@pytest.mark.parametrize(
    ("raw", "country"),
    [
        ("+467062241729", "SE"),  # seed 001's own number: one digit too many for Sweden
        ("0701234567", None),  # national form without a country to read it in
        ("+0123456789", None),
        ("not a number", "SE"),
        ("+46" + "1" * 70, "SE"),
    ],
)
def test_an_invalid_phone_number_is_left_out_and_marked(raw: str, country: str | None) -> None:
    assert mobile_phone(raw, country).e164 is None
    assert mobile_phone(raw, country).invalid


def test_no_phone_is_not_an_invalid_phone() -> None:
    assert mobile_phone("  ", "SE").invalid is False


@given(raw=st.text(alphabet="+0123456789 -()", max_size=20), country=st.sampled_from([None, "SE", "US", "DE", "xx"]))
def test_a_sent_phone_is_always_a_valid_e164_number(raw: str, country: str | None) -> None:
    mapped = mobile_phone(raw, country)
    if mapped.e164 is not None:
        parsed = phonenumbers.parse(mapped.e164, None)
        assert phonenumbers.is_valid_number(parsed)
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == mapped.e164


def test_a_member_with_seed_001s_phone_is_created_without_it_and_the_drop_is_noted() -> None:
    someone = customer(phoneNumber="+467062241729")

    contact = customer_contact(someone, config())

    assert "mobilePhone" not in contact.body()
    assert contact.left_out == (INVALID_PHONE,)
    assert customer_contact(customer(), config()).left_out == ()


def test_a_member_update_with_an_invalid_phone_sends_the_rest() -> None:
    update = member_update(customer(phoneNumber="+467062241729"), config(customer_updates=True))

    assert update is not None
    assert "mobilePhone" not in update.body()
    assert update.body()["firstName"] == "Astrid"
    assert update.left_out == (INVALID_PHONE,)


_text = st.one_of(st.none(), st.text(max_size=8), st.sampled_from(["", " ", "\t\n", "x"]))
_update_fields = st.fixed_dictionaries(
    {
        "firstName": _text,
        "lastName": _text,
        "city": _text,
        "zipCode": _text,
        "countryCode": _text,
        "mobilePhone": _text,
        "gender": st.sampled_from([None, "Male", "Female"]),
        "birthDay": st.one_of(st.none(), st.dates()),
        "preferences": st.builds(Preferences, accepts_email=st.one_of(st.none(), st.booleans())),
    }
)


def _assert_no_blank(value: object) -> None:
    assert value is not None
    if isinstance(value, str):
        assert value.strip()
    if isinstance(value, dict):
        assert value
        for inner in value.values():
            _assert_no_blank(inner)


@given(fields=_update_fields)
def test_a_contact_update_never_sends_null_or_empty_values(fields: dict[str, Any]) -> None:
    body = ContactUpdate.model_validate(fields).body()

    _assert_no_blank(body or {"<empty update>": True})
    for key in ("firstName", "city", "mobilePhone"):
        sent = fields[key]
        assert body.get(key) == (sent if sent is not None and sent.strip() else None)
