"""``python -m voicecontract``: the command line."""

import sys

from voicecontract.cli import main

sys.exit(main())
