"""Engage's product feed: one Google Merchant-style XML file per locale, from Centra's displays (issue 20)."""
