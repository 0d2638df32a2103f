"""KSeF Desktop: offline-first FA(3) invoicing through KSeF API 2.0."""

__version__ = "0.1.0"
