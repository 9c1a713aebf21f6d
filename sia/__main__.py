import sys

from sia.cli import main

sys.exit(main())
