"""SQLite storage, the submission outbox and the archive."""
