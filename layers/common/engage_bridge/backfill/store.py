"""The backfill run record in the state table (``pk`` ``backfill``, ``sk`` ``run``), written with a version check.

Every write is conditional on the version it read, so two writers can never both win: a second start racing a
first, or two copies of one step message, find ``RunChanged`` and back off. That conditional write is the lock;
its expiry is the ``lock_until`` inside the record (``engage_bridge.backfill.run``).
"""

from typing import Any, Protocol

from botocore.exceptions import ClientError

from engage_bridge.backfill.run import BackfillRun

RUN_KEY = {"pk": {"S": "backfill"}, "sk": {"S": "run"}}


class RunChanged(Exception):
    """Someone else wrote the run record since it was read."""


class RunStore(Protocol):
    def load(self) -> tuple[BackfillRun, int] | None:
        """The run and its version, or None when no backfill ever ran."""
        ...

    def save(self, run: BackfillRun, expected_version: int | None) -> int:
        """Write ``run`` if the record is still at ``expected_version`` (None: absent); return the new version."""
        ...


class DynamoRunStore:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def load(self) -> tuple[BackfillRun, int] | None:
        item = self._client.get_item(TableName=self._table, Key=RUN_KEY, ConsistentRead=True).get("Item")
        if item is None:
            return None
        return BackfillRun.model_validate_json(item["run"]["S"]), int(item["version"]["N"])

    def save(self, run: BackfillRun, expected_version: int | None) -> int:
        version = 1 if expected_version is None else expected_version + 1
        condition: dict[str, Any] = (
            {"ConditionExpression": "attribute_not_exists(pk)"}
            if expected_version is None
            else {
                "ConditionExpression": "version = :expected",
                "ExpressionAttributeValues": {":expected": {"N": str(expected_version)}},
            }
        )
        try:
            self._client.put_item(
                TableName=self._table,
                Item={**RUN_KEY, "version": {"N": str(version)}, "run": {"S": run.model_dump_json()}},
                **condition,
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise RunChanged from None
            raise
        return version
