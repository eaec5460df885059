"""PyInstaller entry script: the same entry point as ``python -m tipdesk``.

Kept outside the ``tipdesk`` package so that PyInstaller does not put ``tipdesk/`` itself on the
analysis path (its modules would then also be seen as top-level modules).
"""

import sys

from tipdesk.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
