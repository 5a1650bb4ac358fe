"""``engage-bridge dlq``: read, redrive and purge the stack's dead-letter queues.

Modules: ``wiring`` (which queue a function dead-letters to, from the stack's template), ``queues`` (a queue
URL, name or function short name to a queue, and a DLQ's source queue), ``letters`` (a received message
and why it was dead-lettered), ``masking`` (personal data out of what is printed), ``scan`` (receive every
message once without hiding or losing any), ``moving`` (redrive and purge), ``output`` (text and JSON) and
``command`` (the argparse command).
"""
