"""``make demo``'s data and check: a generated shop (``scenario``) and what Engage must hold after it (``expected``).

docs/demo.md, "The generated shop", describes both.
"""
