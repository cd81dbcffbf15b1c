"""Development tools, run from the project folder (``python -m tools.<name>``); not installed."""
