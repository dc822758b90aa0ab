import os
import sys

from .cli import main

try:
    sys.exit(main())
except BrokenPipeError:
    # the reader (say `| head`) left early: that is not an error worth a traceback
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(0)
