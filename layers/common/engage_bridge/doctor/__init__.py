"""``engage-bridge doctor``: a read-only go-live preflight against a brand's own Centra and Engage tenants.

Centra: the tenant's introspected schema against every document the bridge sends and every listed
assumption, the token's permissions for each read, the events system and the integration's listeners.
Engage: the API key, the contact-type handles, and what no read can settle, said plainly.

The checks are pure: they take small reader interfaces (``transport``) and return ``Check`` lines. The same
checks run from the command line (``engage_bridge_tools.doctor``) and on a daily schedule in AWS (``entry``).
Nothing here writes to either tenant: no mutation is sent, and only evidenced Engage GET endpoints are called.
"""
