"""Back-in-stock subscriptions taken from the brand's storefront (``POST /back-in-stock/subscriptions``)."""
