"""A local KSeF API 2.0 server on 127.0.0.1 speaking the official wire format."""
