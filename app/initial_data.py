"""Seed the database (prestart's last step): `python -m app.initial_data`."""

import logging

from app.db.init_db import init_db
from app.db.session import WriteSessionLocal

logger = logging.getLogger("app.initial_data")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    with WriteSessionLocal() as db:
        created = init_db(db)
    logger.info("seed: %d row(s) created", created)


if __name__ == "__main__":
    main()
