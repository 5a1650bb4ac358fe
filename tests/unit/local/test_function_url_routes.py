"""Function URLs locally: a route at the path the function's stack output appends, or an error naming it."""

from typing import Any

import pytest

from engage_bridge_tools.local.stack import HttpRoute, function_url_routes, without_function_url_outputs


def _sam(outputs: dict[str, Any]) -> dict[str, Any]:
    function = {"Type": "AWS::Serverless::Function", "Properties": {"FunctionUrlConfig": {"AuthType": "NONE"}}}
    api_function = {"Type": "AWS::Serverless::Function", "Properties": {"Events": {}}}
    return {"Resources": {"HookFunction": function, "OtherFunction": api_function}, "Outputs": outputs}


def test_a_function_url_is_served_as_a_post_at_its_outputs_path() -> None:
    sam = _sam({
        "HookUrl": {"Value": {"Fn::Sub": "${HookFunctionUrl.FunctionUrl}hooks/in"}},
        "Other": {"Value": {"Fn::Sub": "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/x"}},
        "Listed": {"Value": {"Fn::Sub": ["${X}", {"X": "y"}]}},
    })  # fmt: skip

    assert function_url_routes(sam) == (HttpRoute("HookFunction", "POST", "/hooks/in"),)


def test_a_function_url_without_an_output_giving_its_path_is_an_error_naming_it() -> None:
    with pytest.raises(KeyError, match="HookFunction"):
        function_url_routes(_sam({"Queue": {"Value": {"Ref": "Queue"}}}))


def test_moto_gets_the_stack_without_the_outputs_it_cannot_resolve() -> None:
    cfn: dict[str, Any] = {
        "Resources": {"HookFunctionUrl": {"Type": "AWS::Lambda::Url"}, "Queue": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {
            "HookUrl": {"Value": {"Fn::Sub": "${HookFunctionUrl.FunctionUrl}hooks/in"}},
            "QueueUrl": {"Value": {"Ref": "Queue"}},
        },
    }

    assert without_function_url_outputs(cfn)["Outputs"] == {"QueueUrl": {"Value": {"Ref": "Queue"}}}
    assert "HookUrl" in cfn["Outputs"]  # the caller's template is left as it was
