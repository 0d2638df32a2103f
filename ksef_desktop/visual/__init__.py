"""QR codes (KOD I, KOD II) and the PDF visualisation."""
