"""``engage-bridge dlq`` end to end on moto: output, masking, confirmation and exit statuses."""

import json
from typing import Any

import boto3
import pytest

from engage_bridge.pii import email_ref
from engage_bridge_tools.cli import build_parser, main
from engage_bridge_tools.dlq import command
from engage_bridge_tools.dlq.queues import Queue
from tests.unit.dlq.support import FlakySqs, QueuePair, all_messages, dead_letter, order_body, visible_count

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS.*not supported by moto:UserWarning")

CUSTOMER_BODY = json.dumps(
    {
        "kind": "customer",
        "customer": {"id": 17, "email": "anna@example.com", "first_name": "Anna", "last_name": "Lind"},
        "business_key": "contact:customer:abc:def",
    }
)


def dlq(*arguments: str) -> int:
    return main(["dlq", *arguments, "--wait-seconds", "0"])


@pytest.fixture
def filled(sqs: Any, pair: QueuePair) -> dict[str, str]:
    return {
        "customer": dead_letter(
            sqs,
            pair.dead_letters,
            CUSTOMER_BODY,
            reason="engage_validation",
            detail="POST /api/v2/contacts: 400 for anna@example.com",
            validation_errors='[{"code": "InvalidPhone", "field": "mobilePhone", "description": "bad format"}]',
            business_key="contact:customer:abc:def",
        ),
        "order": dead_letter(sqs, pair.dead_letters, order_body(9), reason="mapping_error", detail="customer.email"),
        "other": dead_letter(sqs, pair.dead_letters, order_body(10), reason="mapping_error", detail="lines[0].SKU"),
    }


def test_list_groups_by_reason_and_shows_keys_details_and_engage_errors(
    filled: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    status = dlq("list", "OrderStatusDLQ")

    out = capsys.readouterr().out
    assert status == 0
    assert out.startswith("OrderStatusDLQ: 3 messages\n      2  mapping_error\n      1  engage_validation\n")
    assert f"{filled['customer']}  engage_validation  contact:customer:abc:def" in out
    assert "validation: InvalidPhone at mobilePhone: bad format" in out
    assert "anna@example.com" not in out and email_ref("anna@example.com") in out


def test_list_as_json(filled: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert dlq("list", "OrderStatusDLQ", "--json") == 0

    document = json.loads(capsys.readouterr().out)
    assert document["count"] == 3 and document["complete"] is True
    assert document["by_reason"] == {"mapping_error": 2, "engage_validation": 1}
    (customer,) = [m for m in document["messages"] if m["message_id"] == filled["customer"]]
    assert customer["validation_errors"] == [
        {"code": "InvalidPhone", "field": "mobilePhone", "description": "bad format"}
    ]


def test_show_masks_personal_data_unless_revealed(filled: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert dlq("show", "OrderStatusDLQ", filled["customer"]) == 0
    masked = capsys.readouterr().out
    assert dlq("show", "OrderStatusDLQ", filled["customer"], "--reveal", "--json") == 0
    revealed = json.loads(capsys.readouterr().out)

    assert "Anna" not in masked and "Lind" not in masked and "anna@example.com" not in masked
    assert "business key  contact:customer:abc:def" in masked
    assert "(personal data masked; --reveal shows it)" in masked
    assert json.loads(revealed["body"]) == json.loads(CUSTOMER_BODY)
    assert revealed["attributes"]["detail"] == "POST /api/v2/contacts: 400 for anna@example.com"


def test_show_leaves_the_queue_as_it_was(sqs: Any, pair: QueuePair, filled: dict[str, str]) -> None:
    dlq("show", "OrderStatusDLQ", filled["order"])

    assert visible_count(sqs, pair.dead_letters) == 3


def test_an_unknown_queue_or_message_is_bad_input_naming_it(
    filled: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert dlq("list", "order_status") == 2
    assert "unknown queue 'order_status'" in capsys.readouterr().err
    assert dlq("show", "OrderStatusDLQ", "no-such-id") == 2
    assert "no message 'no-such-id' in OrderStatusDLQ" in capsys.readouterr().err


def test_a_queue_with_a_dlq_of_its_own_is_refused_untouched(
    sqs: Any, pair: QueuePair, capsys: pytest.CaptureFixture[str]
) -> None:
    sqs.send_message(QueueUrl=pair.source.url, MessageBody=order_body(1))

    assert dlq("list", "OrderStatusQueue") == 2

    assert "OrderStatusQueue is not a dead-letter queue: it sends failures to OrderStatusDLQ" in capsys.readouterr().err
    attributes = sqs.receive_message(QueueUrl=pair.source.url, MessageSystemAttributeNames=["All"])["Messages"][0]
    assert attributes["Attributes"]["ApproximateReceiveCount"] == "1"  # this receive only: the command read nothing


def test_redrive_by_reason_through_the_stack(sqs: Any, deployed_stack: str, capsys: pytest.CaptureFixture[str]) -> None:
    queue_urls = {url.rsplit("/", 1)[-1]: url for url in sqs.list_queues()["QueueUrls"]}
    (dlq_url,) = [url for name, url in queue_urls.items() if "-OrderStatusDLQ-" in name]
    (source_url,) = [url for name, url in queue_urls.items() if "-OrderStatusQueue-" in name]
    sqs.send_message(QueueUrl=dlq_url, MessageBody=order_body(1), MessageAttributes=_reason("engage_validation"))
    sqs.send_message(QueueUrl=dlq_url, MessageBody=order_body(2), MessageAttributes=_reason("mapping_error"))

    status = dlq("redrive", "order_status", "--stack", deployed_stack, "--reason", "engage_validation")

    out = capsys.readouterr().out
    assert status == 0
    assert out.startswith("OrderStatusDLQ (")
    assert "-> OrderStatusQueue (" in out
    assert "redrive: 1 of 1 message selected (2 examined)" in out
    assert [m["Body"] for m in all_messages(sqs, _queue(source_url))] == [order_body(1)]
    assert [m["Body"] for m in all_messages(sqs, _queue(dlq_url))] == [order_body(2)]


def test_redrive_from_a_queue_nothing_redrives_into_is_bad_input(
    sqs: Any, deployed_stack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert dlq("redrive", "centra_events", "--stack", deployed_stack) == 2
    assert "is no queue's dead-letter queue" in capsys.readouterr().err


def test_a_dry_run_says_what_would_move(
    filled: dict[str, str], sqs: Any, pair: QueuePair, capsys: pytest.CaptureFixture[str]
) -> None:
    assert dlq("redrive", "OrderStatusDLQ", "--reason", "mapping_error", "--dry-run") == 0

    out = capsys.readouterr().out
    assert "dry run: would redrive 2 messages of 3" in out
    assert filled["order"] in out and filled["other"] in out
    assert visible_count(sqs, pair.source) == 0 and visible_count(sqs, pair.dead_letters) == 3


def test_a_redrive_that_cannot_send_exits_1(
    filled: dict[str, str],
    sqs: Any,
    pair: QueuePair,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    real_client: Any = boto3.session.Session.client

    def flaky_client(self: Any, service: str, **kwargs: Any) -> Any:
        client = real_client(self, service, **kwargs)
        return FlakySqs(client, send_message_batch=lambda call: True) if service == "sqs" else client

    monkeypatch.setattr(boto3.session.Session, "client", flaky_client)

    assert dlq("redrive", "OrderStatusDLQ") == 1
    out = capsys.readouterr().out
    assert out.count("FAILED") == 3
    assert visible_count(sqs, pair.dead_letters) == 3


def test_purge_asks_first_and_does_nothing_when_declined(
    filled: dict[str, str], sqs: Any, pair: QueuePair, capsys: pytest.CaptureFixture[str]
) -> None:
    questions: list[str] = []
    args = build_parser().parse_args(
        ["dlq", "purge", "OrderStatusDLQ", "--reason", "mapping_error", "--wait-seconds", "0"]
    )

    def decline(question: str) -> bool:
        questions.append(question)
        return False

    status = command.run_purge(args, confirm=decline)

    assert status == 0
    assert questions == ["Delete 2 message(s) (mapping_error: 2) from OrderStatusDLQ? [y/N] "]
    assert "nothing deleted" in capsys.readouterr().out
    assert visible_count(sqs, pair.dead_letters) == 3


def test_purge_deletes_what_was_confirmed_and_not_what_arrived_meanwhile(
    filled: dict[str, str], sqs: Any, pair: QueuePair
) -> None:
    args = build_parser().parse_args(
        ["dlq", "purge", "OrderStatusDLQ", "--reason", "mapping_error", "--wait-seconds", "0"]
    )

    def accept_while_another_fails(question: str) -> bool:
        dead_letter(sqs, pair.dead_letters, order_body(11), reason="mapping_error")
        return True

    status = command.run_purge(args, confirm=accept_while_another_fails)

    assert status == 0
    remaining = sorted(m["Body"] for m in all_messages(sqs, pair.dead_letters))
    assert remaining == sorted([CUSTOMER_BODY, order_body(11)])


def test_purge_without_a_terminal_needs_yes(
    filled: dict[str, str], sqs: Any, pair: QueuePair, capsys: pytest.CaptureFixture[str]
) -> None:
    assert dlq("purge", "OrderStatusDLQ") == 2
    assert "pass --yes" in capsys.readouterr().err
    assert visible_count(sqs, pair.dead_letters) == 3


def test_purge_by_reason_with_yes(
    filled: dict[str, str], sqs: Any, pair: QueuePair, capsys: pytest.CaptureFixture[str]
) -> None:
    assert dlq("purge", "OrderStatusDLQ", "--reason", "mapping_error", "--yes", "--json") == 0

    document = json.loads(capsys.readouterr().out)
    assert sorted(document["done"]) == sorted([filled["order"], filled["other"]])
    assert [m["MessageId"] for m in all_messages(sqs, pair.dead_letters)] == [filled["customer"]]


def _reason(reason: str) -> dict[str, Any]:
    return {"reason": {"DataType": "String", "StringValue": reason}}


def _queue(url: str) -> Queue:
    return Queue(url)
