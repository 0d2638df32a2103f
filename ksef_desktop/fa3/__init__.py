"""FA(3) XML: build (domain -> canonical bytes), parse (bytes -> domain), validate."""
