"""What applying one message did: the one type every effect and the backfill's steps return.

Its own module, so code that only reports an outcome (the backfill's steps) does not load the SQS consumer,
its dead-letter marks and Powertools' idempotency (issue 18, cold start).
"""

from typing import Literal

from msgspec import Struct

OutcomeState = Literal["sent", "skipped", "failed"]


class Outcome(Struct, frozen=True):
    """What a message did. ``failed`` is a permanent failure that is counted and recorded, not dead-lettered
    (an expired promotion must never block anything)."""

    state: OutcomeState
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"state": self.state, "reason": self.reason}
