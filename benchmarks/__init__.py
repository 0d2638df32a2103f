"""Scripts that measure; their results go to docs/BENCHMARKS.md (never timed tests)."""
