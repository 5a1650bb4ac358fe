"""A local stand-in for Centra's Integration API: GraphQL over a JSON shop file, the events queue, signed webhooks.

See ``docs/centra-fake.md`` (usage) and ``docs/shop-format.md`` (the shop file).
"""
