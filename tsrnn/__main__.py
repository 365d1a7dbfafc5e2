"""``python -m tsrnn``: the same as the ``tsrnn`` command."""

import sys

from .cli import main

sys.exit(main())
