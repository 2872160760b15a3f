"""Test-suite set-up, for tests/ and bench/ alike."""
import os
import sys

if os.environ.get("IMGCONV_SANITIZED"):
    # torch aborts when loaded beside the AddressSanitizer runtime: under
    # scripts/run_checked.sh asan its parity tests skip as if not installed.
    sys.modules["torch"] = None
