"""``python -m voicecontract.cli``."""

import sys

from voicecontract.cli import main

sys.exit(main())
