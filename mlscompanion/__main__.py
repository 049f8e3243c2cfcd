import sys

from mlscompanion.cli import main

sys.exit(main())
