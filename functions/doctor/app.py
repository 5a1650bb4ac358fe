"""Lambda entry point: the daily go-live preflight (the doctor's read-only checks against Centra and Engage)."""

import os

from engage_bridge.doctor.entry import doctor_handler

lambda_handler = doctor_handler(os.environ)
