"""``python -m minigrad``: the ``minigrad`` command line, for where the console script is
not on ``PATH`` (``python -m minigrad --version``, ``python -m minigrad train``, ...)."""

import sys

from minigrad.cli import main

if __name__ == "__main__":
    sys.exit(main())
