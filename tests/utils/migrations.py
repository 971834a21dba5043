from alembic.config import Config
from sqlalchemy import Connection

from app.core.config import PROJECT_DIR


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, running on `connection` when one is given."""
    config = Config(PROJECT_DIR / "alembic.ini")
    config.attributes["configure_logger"] = False
    if connection is not None:
        config.attributes["connection"] = connection
    return config
