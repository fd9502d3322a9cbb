"""Entry point: ``python -m emulator --host 127.0.0.1 --port 8787 --data-dir .tenant``."""

import sys

from emulator.server import main

sys.exit(main())
