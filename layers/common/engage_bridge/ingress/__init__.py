"""Getting Centra's changes into the ingest queue: the signed webhook receiver and the events poller."""
