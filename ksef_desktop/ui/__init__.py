"""Widgets, Qt item models and dialogs."""
