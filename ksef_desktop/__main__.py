import sys

from ksef_desktop.cli import main

sys.exit(main())
