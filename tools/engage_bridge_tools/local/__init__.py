"""Running the stack's functions on one machine, as the template declares them."""
