"""Imported first by every queue consumer's ``app.py``: Powertools' batch utilities, before pydantic is loaded.

``aws_lambda_powertools/utilities/batch/types.py`` defines its parser's SQS, DynamoDB, Kinesis and Kafka pydantic
models when pydantic is already in ``sys.modules`` (``has_pydantic``); the bridge uses none of them
(``BatchProcessor(event_type=SQS)`` takes no model), so loading batch first keeps them off the cold start (issue 18).
"""

import aws_lambda_powertools.utilities.batch  # noqa: F401
