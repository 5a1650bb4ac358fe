"""``engage-bridge resend``: re-send one effect for one object through its handler."""
