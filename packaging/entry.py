"""Entry point of the frozen program: the same `ksef-desktop` command line."""

import sys

from ksef_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
