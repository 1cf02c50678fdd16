import sys

from upper.cli import main

sys.exit(main())
