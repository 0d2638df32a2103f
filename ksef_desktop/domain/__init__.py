"""Pure model and rules: no I/O, no Qt, no network."""
