"""Fuzzing the webhook receiver's Lambda entry with HTTP API (payload 2.0) events.

Whatever arrives — any body, header, signature, timestamp, base64 flag or form encoding, empty or oversized —
the function answers (never raises), every refusal is a 4xx naming its reason, nothing is queued for a refused
webhook, and a correctly signed notification still gets all of its events through.
"""

import base64
import json
from datetime import datetime
from typing import Any
from urllib.parse import quote, quote_plus

from hypothesis import assume, given
from hypothesis import strategies as st

from engage_bridge.centra.webhook_payload import CENTRA_MAX_INT
from engage_bridge.centra.webhook_signature import compute_signature, signature_header
from engage_bridge.ingress.webhook import MAX_BODY_BYTES
from engage_bridge.ingress.webhook_entry import HttpHandler
from tests.lambda_support import lambda_context
from tests.unit.fuzz.profiles import FUZZ
from tests.unit.fuzz.webhook_support import NOW, SECRET, TOLERANCE, RecordingQueue, http_event

REFUSALS = {400, 401, 413}
QUEUED_TYPES = {"order", "shipment", "return", "customer"}  # "account" (wholesale buyers) is ignored
ORDER_EVENT = {"type": "order", "action": "update", "date": "2026-11-23 10:00:00.1", "id": 7}


def invoke(handler: HttpHandler, queue: RecordingQueue, event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    queue.events.clear()
    response = handler(event, lambda_context())
    answer = json.loads(response["body"])
    status = response["statusCode"]
    if status == 200:
        assert answer["queued"] == len(queue.events)
    else:
        assert status in REFUSALS, answer
        assert answer["status"], "every refusal names its reason"
        assert (answer["queued"], queue.events) == (0, []), "nothing is queued for a refused webhook"
    return status, answer


# --- what a body can be ------------------------------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
# Centra's format, e.g. "2021-01-29 14:40:58.628033" (strftime pads no year before 1000, so none is drawn).
centra_dates = st.datetimes(min_value=datetime(1000, 1, 1)).map(lambda moment: moment.strftime("%Y-%m-%d %H:%M:%S.%f"))
well_formed_events = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["order", "shipment", "return", "customer", "account"]),
        # Lengths drawn evenly up to 100: Hypothesis's own bias towards short text rarely reaches long values.
        "action": st.integers(min_value=1, max_value=100).flatmap(lambda n: st.text(min_size=n, max_size=n)),
        "date": centra_dates,
        "id": st.integers(min_value=0, max_value=CENTRA_MAX_INT),
    }
)
webhook_events = well_formed_events | st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["order", "shipment", "return", "customer", "account"]) | json_scalars,
        "action": st.sampled_from(["create", "update", "good_to_go"]) | st.text(max_size=80) | json_scalars,
        "date": centra_dates | st.text(max_size=30) | st.integers() | json_scalars,
        "id": st.integers(min_value=-10, max_value=2**80) | json_scalars,
    },
)
payload_documents = st.one_of(
    json_values,
    st.fixed_dictionaries({"events": st.lists(webhook_events, max_size=6) | json_values}),
    st.fixed_dictionaries({"events": st.lists(webhook_events, max_size=3)}, optional={"extra": json_values}),
)


@st.composite
def form_bodies(draw: st.DrawFn) -> bytes:
    """``payload=<JSON>`` in the encodings a sender might use, plus the broken forms around it."""
    text = json.dumps(draw(payload_documents), ensure_ascii=draw(st.booleans()))
    quoting = draw(st.sampled_from(["quote", "quote_plus", "raw"]))
    encoded = {"quote": quote(text, safe=""), "quote_plus": quote_plus(text), "raw": text}[quoting]
    fields = [f"payload={encoded}"]
    fields += draw(st.lists(st.sampled_from(["payload=", "other=1", "payload=%7B%7D", "=", "&", "x"]), max_size=2))
    ordered = draw(st.permutations(fields))
    return "&".join(ordered).encode("utf-8")


def deep_nesting(depth: int) -> bytes:
    return b"payload=" + b"[" * depth + b"]" * depth  # brackets need no quoting in a form value


def huge_integer_id(digits: int) -> bytes:
    event = f'{{"type": "order", "action": "update", "date": "2026-11-23 10:00:00.1", "id": 1{"0" * digits}}}'
    return ("payload=" + quote('{"events": [' + event + "]}")).encode()


pathological_bodies = st.sampled_from(
    [
        b"",
        b"payload",
        b"payload=",
        b"payload=%ZZ",
        b"payload=%FF%FE",
        b"payload=null",
        b'payload={"events": null}',
        b"\xff\xfe\x00",
        deep_nesting(10),
        deep_nesting(100_000),  # deeper than the JSON decoder's recursion limit, inside the size limit
        huge_integer_id(5_000),  # more digits than Python converts to int by default
        b"payload=" + b"x" * (MAX_BODY_BYTES - len(b"payload=")),  # exactly at the limit
        b"payload=" + b"x" * MAX_BODY_BYTES,  # just over it
    ]
)
any_body = form_bodies() | pathological_bodies | st.binary(max_size=300)


# --- a correctly signed webhook is judged on its body alone -------------------------------------------------


@FUZZ
@given(
    body=any_body, as_base64=st.booleans(), header_name=st.sampled_from(["x-centra-signature", "X-Centra-Signature"])
)
def test_a_signed_body_of_any_shape_is_queued_or_refused_with_a_reason(
    handler: HttpHandler, queue: RecordingQueue, body: bytes, as_base64: bool, header_name: str
) -> None:
    if not as_base64:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            as_base64 = True  # API Gateway base64-encodes anything that is not text
    headers = {"content-type": "application/x-www-form-urlencoded", header_name: signature_header(SECRET, NOW, body)}

    status, answer = invoke(handler, queue, http_event(body, headers, as_base64=as_base64))

    if len(body) > MAX_BODY_BYTES:
        assert (status, answer["status"]) == (413, "too_large")
    else:
        # Signed with the right secret just now: the signature can never be the reason for a refusal.
        assert status in {200, 400}, answer
    for event in queue.events:
        assert (event.source, event.object_type in QUEUED_TYPES) == ("webhook", True)


# --- a well-formed notification gets every event through ----------------------------------------------------

valid_events = st.fixed_dictionaries(
    {
        # A type the bridge does not know ("DisplayItems": the Storefront plugin's) is skipped, never fatal.
        "type": st.sampled_from(["order", "shipment", "return", "customer", "account", "DisplayItems"]),
        "action": st.text(st.characters(codec="utf-8"), min_size=1, max_size=40),
        "date": centra_dates,
        "id": st.integers(min_value=0, max_value=CENTRA_MAX_INT),
    }
)


@FUZZ
@given(
    events=st.lists(valid_events, max_size=100),
    delivery=st.tuples(st.sampled_from([quote, quote_plus]), st.booleans()),  # form quoting, base64 or not
    skew=st.integers(min_value=-TOLERANCE, max_value=TOLERANCE),
)
def test_a_valid_signed_notification_queues_exactly_its_events(
    handler: HttpHandler, queue: RecordingQueue, events: list[dict[str, Any]], delivery: tuple[Any, bool], skew: int
) -> None:
    quoting, as_base64 = delivery
    body = ("payload=" + quoting(json.dumps({"events": events}))).encode()
    header = signature_header(SECRET, NOW + skew, body)

    status, answer = invoke(handler, queue, http_event(body, {"x-centra-signature": header}, as_base64=as_base64))

    expected = [(e["type"], e["id"], e["action"]) for e in events if e["type"] in QUEUED_TYPES]
    assert (status, answer["status"]) == (200, "accepted")
    assert [(e.object_type, e.object_id, e.change) for e in queue.events] == expected


# --- the signature header ------------------------------------------------------------------------------------


@st.composite
def signature_headers(draw: st.DrawFn, body: bytes) -> tuple[str, bool]:
    """A header assembled from parts whose verdict is known: (header, should it be accepted)."""
    offset = draw(st.integers(min_value=-3 * TOLERANCE, max_value=3 * TOLERANCE) | st.integers())
    timestamp = NOW + offset
    right = compute_signature(SECRET, timestamp, body)
    kinds = draw(st.lists(st.sampled_from(["right", "wrong_secret", "wrong_time", "upper", "garbage"]), max_size=3))
    values = {
        "right": right,
        "upper": right.upper(),
        "wrong_secret": compute_signature(SECRET + "x", timestamp, body),
        "wrong_time": compute_signature(SECRET, timestamp + 1, body),
        "garbage": draw(st.text(max_size=70).filter(lambda text: "," not in text)),
    }
    parts = [f"v1={values[kind]}" for kind in kinds]
    timestamp_text = str(timestamp) if timestamp >= 0 else "0"
    parts.insert(draw(st.integers(min_value=0, max_value=len(parts))), f"t={timestamp_text}")
    parts += draw(st.lists(st.sampled_from(["v0=abc", "scheme=2"]), max_size=1))
    spaced = [f" {part} " if draw(st.booleans()) else part for part in parts]
    garbage_is_hex = "garbage" in kinds and len(values["garbage"].strip()) == 64
    accepted = (
        timestamp >= 0
        and len(timestamp_text) <= 12
        and abs(offset) <= TOLERANCE
        and bool({"right", "upper"} & set(kinds))
        and "garbage" not in kinds
    )
    assume(not garbage_is_hex)  # 64 hex characters would be a well-formed (wrong) signature: covered above
    return ",".join(spaced), accepted


@FUZZ
@given(data=st.data())
def test_only_a_fresh_signature_by_the_endpoint_secret_is_accepted(
    handler: HttpHandler, queue: RecordingQueue, data: st.DataObject
) -> None:
    body = ("payload=" + quote(json.dumps({"events": [ORDER_EVENT]}))).encode()
    header, accepted = data.draw(signature_headers(body))

    status, answer = invoke(handler, queue, http_event(body, {"x-centra-signature": header}, as_base64=True))

    assert (status == 200) == accepted, (header, answer)
    if not accepted:
        assert status == 401 and answer["status"].startswith("signature_")


# --- anything at all as the event ---------------------------------------------------------------------------

header_values = st.text(max_size=120) | st.builds(lambda t, v: f"t={t},v1={v}", st.integers(), st.text(max_size=70))
header_names = st.sampled_from(["x-centra-signature", "X-CENTRA-SIGNATURE", "content-type", "x"])


@FUZZ
@given(
    body=st.none() | st.text(max_size=300) | st.binary(max_size=300).map(lambda raw: base64.b64encode(raw).decode()),
    is_base64=st.none() | st.booleans(),
    headers=st.none() | st.dictionaries(header_names, header_values),
)
def test_any_request_gets_an_answer_and_an_unsigned_one_queues_nothing(
    handler: HttpHandler,
    queue: RecordingQueue,
    body: str | None,
    is_base64: bool | None,
    headers: dict[str, str] | None,
) -> None:
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/centra/webhook",
        "requestContext": {"http": {"method": "POST", "path": "/centra/webhook"}},
    }
    for key, value in (("body", body), ("isBase64Encoded", is_base64), ("headers", headers)):
        if value is not None:
            event[key] = value

    status, _ = invoke(handler, queue, event)

    assert status in REFUSALS  # nothing here is signed with the endpoint secret
