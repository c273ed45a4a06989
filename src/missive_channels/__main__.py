"""``python -m missive_channels``: the command-line tool, as the ``missive-channels`` script."""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
