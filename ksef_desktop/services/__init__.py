"""Use cases as plain synchronous Python."""
