"""Schemas, fonts, icons and translations, read with importlib.resources."""
