"""Seed the database (prestart's last step): `python -m app.initial_data`."""

import logging
import sys

from app.core.config import settings
from app.db.init_db import init_db
from app.db.locks import LockTimeout, exclusive
from app.db.session import WriteSessionLocal

logger = logging.getLogger("app.initial_data")


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # Seeding looks before it creates; prestarts running at once take turns, so only
    # the first one creates anything.
    try:
        with exclusive(settings.database_url, settings.PRESTART_LOCK_TIMEOUT):
            with WriteSessionLocal() as db:
                created = init_db(db)
    except LockTimeout as exc:
        print(f"Seed not run: {exc}", file=sys.stderr)
        return 1
    logger.info("seed: %d row(s) created", created)
    return 0


if __name__ == "__main__":
    sys.exit(main())
