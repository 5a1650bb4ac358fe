"""What every SQS consumer is given: its state table, its dead-letter queue and the source queue's receive count."""

from pydantic import Field

from engage_bridge.environment.function import FunctionEnvironment


class ConsumerEnvironment(FunctionEnvironment):
    """What every SQS consumer in ``template.yaml`` is given."""

    state_table_name: str = Field(alias="STATE_TABLE_NAME", min_length=1)
    dead_letter_queue_url: str = Field(alias="DEAD_LETTER_QUEUE_URL", min_length=1)
    max_receive_count: int = Field(alias="MAX_RECEIVE_COUNT", ge=1)  # the source queue's, from its RedrivePolicy
