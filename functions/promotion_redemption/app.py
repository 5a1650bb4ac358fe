"""Lambda entry point: redeems the Engage promotion assignment a paid order used."""

import os

# Before pydantic: Powertools' batch types define its parser's pydantic models when pydantic is already loaded
# (aws_lambda_powertools/utilities/batch/types.py, ``has_pydantic``); the bridge uses none of them (issue 18).
import aws_lambda_powertools.utilities.batch  # noqa: F401

from engage_bridge.effects.promotion_redemption import redeem_promotion
from engage_bridge.messages import PromotionRedemption
from engage_bridge.wiring import sqs_lambda_handler

lambda_handler = sqs_lambda_handler(
    PromotionRedemption, redeem_promotion, os.environ, unused=frozenset({"contacts", "consent"})
)
