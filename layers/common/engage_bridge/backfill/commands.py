"""The backfill queue's messages: start a run, or work on one step of it.

A step message names its run and step number; the run record decides whether it is the one to work
(``engage_bridge.backfill.run.claim``), so a duplicate delivery or a message of a replaced run does nothing.
"""

from typing import Annotated, Any, Literal, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from engage_bridge.backfill.run import KINDS, BackfillWindow, Kind, canonical_kinds


class StartBackfill(BaseModel):
    """Start (or resume) a run. Without ``since`` the brand configuration's ``historical_sync_from`` applies;
    without ``until`` a new run ends now, and a stopped run with the same ``since`` and kinds is resumed."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    command: Literal["start"] = "start"
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    kinds: tuple[Kind, ...] = KINDS

    @field_validator("kinds", mode="after")
    @classmethod
    def _canonical(cls, kinds: tuple[Kind, ...]) -> tuple[Kind, ...]:
        return canonical_kinds(kinds)

    @classmethod
    def of(cls, window: BackfillWindow) -> "StartBackfill":
        return cls(since=window.since, until=window.until, kinds=window.kinds)


class BackfillStep(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    command: Literal["step"] = "step"
    run_id: str = Field(min_length=1, max_length=64)
    step: int = Field(ge=0)


BackfillCommand = Annotated[StartBackfill | BackfillStep, Field(discriminator="command")]
# defer_build: its validator is built with the first command it reads, not when the module is imported.
COMMAND = TypeAdapter[StartBackfill | BackfillStep](BackfillCommand, config=ConfigDict(defer_build=True))


class CommandQueue(Protocol):
    def send(self, command: StartBackfill | BackfillStep) -> None: ...


class SqsCommandQueue:
    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def send(self, command: StartBackfill | BackfillStep) -> None:
        self._client.send_message(QueueUrl=self._queue_url, MessageBody=command.model_dump_json())
