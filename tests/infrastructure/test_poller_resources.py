"""The events poller in the template: it may look at the route marks and at nothing else in the state table."""

from fnmatch import fnmatchcase
from typing import Any

from engage_bridge.ingress.poller_entry import PollerEnvironment
from engage_bridge.route_marks import mark_key
from tests.infrastructure.test_doctor_resources import _actions


def test_the_poller_may_only_batch_read_the_route_marks_in_the_state_table(cfn: dict[str, Any]) -> None:
    role = cfn["Resources"]["CentraEventsFunctionRole"]
    dynamodb = {action: resources for action, resources in _actions(role).items() if action.startswith("dynamodb:")}
    [statement] = [
        statement
        for policy in role["Properties"]["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
        if "dynamodb:BatchGetItem" in str(statement["Action"])
    ]
    [pattern] = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]

    assert dynamodb == {"dynamodb:BatchGetItem": [{"Fn::GetAtt": ["StateTable", "Arn"]}]}
    assert fnmatchcase(mark_key("order#1001")["pk"]["S"], pattern)  # the keys route_marks looks at
    assert not fnmatchcase("effect#order#1001", pattern) and not fnmatchcase("engage-budget", pattern)


def test_the_poller_is_given_every_variable_its_entry_reads(cfn: dict[str, Any]) -> None:
    variables = cfn["Resources"]["CentraEventsFunction"]["Properties"]["Environment"]["Variables"]

    assert {field.alias for field in PollerEnvironment.model_fields.values()} <= set(variables)
    assert variables["STATE_TABLE_NAME"] == {"Ref": "StateTable"}
