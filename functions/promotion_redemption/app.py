"""Lambda entry point: redeems the Engage promotion assignment a paid order used."""

import os

import engage_bridge.batch_first  # noqa: F401 - first: see the module
from engage_bridge.effects.promotion_redemption import redeem_promotion
from engage_bridge.messages import PromotionRedemption
from engage_bridge.wiring import sqs_lambda_handler

lambda_handler = sqs_lambda_handler(
    PromotionRedemption, redeem_promotion, os.environ, unused=frozenset({"contacts", "consent"})
)
