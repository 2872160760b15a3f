"""``python -m imgconv``: the command line."""
from .cli import main

raise SystemExit(main())
