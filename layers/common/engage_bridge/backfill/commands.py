"""The backfill queue's messages: start a run, or work on one step of it.

A step message names its run and step number; the run record decides whether it is the one to work
(``engage_bridge.backfill.run.claim``), so a duplicate delivery or a message of a replaced run does nothing.
"""

from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from engage_bridge.backfill.run import BackfillWindow


class StartBackfill(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    command: Literal["start"] = "start"
    window: BackfillWindow


class BackfillStep(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    command: Literal["step"] = "step"
    run_id: str = Field(min_length=1, max_length=64)
    step: int = Field(ge=0)


BackfillCommand = Annotated[StartBackfill | BackfillStep, Field(discriminator="command")]
COMMAND = TypeAdapter[StartBackfill | BackfillStep](BackfillCommand)


class CommandQueue(Protocol):
    def send(self, command: StartBackfill | BackfillStep) -> None: ...


class SqsCommandQueue:
    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def send(self, command: StartBackfill | BackfillStep) -> None:
        self._client.send_message(QueueUrl=self._queue_url, MessageBody=command.model_dump_json())
