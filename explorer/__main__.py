"""``python -m explorer``: start the web app (same as the ``explorer-app`` command)."""

import sys

from explorer.app import main

if __name__ == "__main__":
    sys.exit(main())
