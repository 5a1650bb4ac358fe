"""A clock for threads that moves only when every participating thread sleeps: discrete-event time.

Each simulated container is a thread that registers as a participant. Work between sleeps (moto's DynamoDB, the
limiter's arithmetic) takes no simulated time; ``sleep`` (the limiter waiting for its slot, a fake Engage request's
latency) is the only thing that moves the clock, to the earliest wake-up once everyone is asleep. So a run of
minutes at a budget of 40 requests a second takes seconds of this machine and is the same on a loaded one.
"""

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager


class VirtualClock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._now = start
        self._condition = threading.Condition()
        self._participants = 0
        self._asleep: list[list[float | bool]] = []  # [wake time, woken] per sleeping participant

    def __call__(self) -> float:
        with self._condition:
            return self._now

    def participant(self) -> AbstractContextManager[None]:
        """A seat among the threads the clock waits for, taken now, given up when the returned block ends.

        Take it before starting the thread: a thread not yet seated would find the clock run ahead without it.
        """
        with self._condition:
            self._participants += 1
        return self._leaving()

    @contextmanager
    def _leaving(self) -> Iterator[None]:
        try:
            yield
        finally:
            with self._condition:
                self._participants -= 1
                self._advance()

    def sleep(self, seconds: float) -> None:
        with self._condition:
            entry: list[float | bool] = [self._now + max(0.0, seconds), False]
            self._asleep.append(entry)
            self._advance()
            while not entry[1]:
                self._condition.wait()

    def _advance(self) -> None:
        """Once every participant sleeps, move to the earliest wake-up and wake everyone due by then."""
        if not self._asleep or len(self._asleep) < self._participants:
            return
        self._now = max(self._now, min(float(entry[0]) for entry in self._asleep))
        due = [entry for entry in self._asleep if float(entry[0]) <= self._now]
        for entry in due:
            entry[1] = True
            self._asleep.remove(entry)
        self._condition.notify_all()
