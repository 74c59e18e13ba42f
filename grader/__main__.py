"""Entry point: python -m grader [PATH] (see grader/cli.py)."""

import sys

from grader.cli import main

sys.exit(main())
