"""KSeF API 2.0 client."""
