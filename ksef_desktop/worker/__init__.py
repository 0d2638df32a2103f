"""The one bridge between services and Qt: a long-lived QThread (DESIGN.md §5)."""

from ksef_desktop.worker.errors import Failure, describe
from ksef_desktop.worker.jobs import Cancelled, CancelToken, JobContext, Progress, detached

__all__ = ["CancelToken", "Cancelled", "Failure", "JobContext", "Progress", "describe", "detached"]
