"""Run the scheduler in the foreground: ``python -m jobs``."""

from __future__ import annotations

import logging

from jobs.scheduler import run_forever


def main() -> None:
    """Build the app and run the scheduler until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    run_forever()


if __name__ == "__main__":
    main()
