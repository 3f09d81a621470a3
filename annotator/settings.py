"""All configuration in one place: environment variables with the ANNOTATOR_ prefix."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Read from the environment (``ANNOTATOR_DB_URL`` …) or a ``.env`` file."""

    model_config = SettingsConfigDict(env_prefix="ANNOTATOR_", env_file=".env", extra="ignore")

    db_url: str = "sqlite:///annotator.db"
    """Any SQLAlchemy URL; SQLite in the working folder by default."""

    admin_password: str | None = None
    """Password of the first ``admin`` account; generated and printed once when unset."""

    exports_dir: Path = Path("exports")
    """Where ``annotator export`` writes when no ``-o`` is given."""

    max_upload_mb: int = 20
    """Largest article or label file the web app accepts."""


def get_settings() -> Settings:
    return Settings()
