"""What each handler does with one message: the domain logic between the queue and Engage.

Each effect takes the ``Services`` it needs and a message, and returns an ``Outcome`` (sent, skipped or
failed, with a reason) or raises: ``MappingError`` and permanent Engage errors go to the DLQ, retryable ones
back to the queue (see ``engage_bridge.consumer``). Adapters arrive through ``Services``; nothing here reads
the environment.
"""
