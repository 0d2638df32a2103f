"""Helpers that check the sandbox against the official contract, independent of the app."""
