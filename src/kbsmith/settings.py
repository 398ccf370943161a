"""Runtime configuration, read from the environment (prefix ``KBSMITH_``)."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_FILE_NAME = "secret.key"  # noqa: S105 (a file name, not a secret)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KBSMITH_", extra="ignore")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    data_dir: Path = Field(
        default=Path(".kbsmith"), description="Where the embedded default keeps its files."
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in data_dir."
    )
    secret_key: str | None = Field(
        default=None, description="Key for API-key hashes and secrets at rest."
    )
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    upload_max_bytes: int = Field(
        default=20 * 1024 * 1024, ge=1024, description="Largest file an upload may carry."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["auto", "json", "console"] = "auto"

    job_lease_seconds: float = Field(default=30.0, gt=0)
    job_poll_interval: float = Field(default=0.2, gt=0)
    job_backoff_base: float = Field(default=2.0, ge=0)
    job_backoff_max: float = Field(default=300.0, ge=0)
    job_shutdown_grace: float = Field(default=30.0, ge=0)

    fetch_allow_networks: str = Field(default="", description="CIDRs exempt from the SSRF guard.")
    fetch_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    fetch_connect_timeout: float = Field(default=10.0, gt=0)
    fetch_total_timeout: float = Field(default=30.0, gt=0)
    fetch_per_host_concurrency: int = Field(default=2, ge=1)
    fetch_crawl_delay: float = Field(default=0.0, ge=0)
    fetch_obey_robots: bool = True

    extract_cpu_seconds: float = Field(
        default=30.0, gt=0, description="CPU time one document's extraction may take."
    )
    extract_wall_seconds: float = Field(
        default=90.0, gt=0, description="Time after which an extraction process is killed."
    )
    extract_memory_mb: int = Field(
        default=384, ge=64, description="Memory one extraction may add to its process."
    )
    extract_processes: int = Field(
        default=2, ge=1, description="Extraction processes a worker process runs at most."
    )

    generation_embeddings: bool = Field(
        default=True, description="Use the MiniLM model if installed."
    )
    model_cache_dir: Path | None = Field(
        default=None,
        description="Where the embedding model derived to compute in int8 is kept, once per "
        "machine; default: $XDG_CACHE_HOME/kbsmith/models (~/.cache/kbsmith/models).",
    )
    generation_same_topic: float | None = Field(default=None, ge=0, le=1)
    """Probability from which content is on an article's topic; None: the fitted one."""
    generation_same_content: float = Field(default=0.8, ge=0, le=1)
    answer_floor: float | None = Field(default=None, ge=-50, le=50)
    """The least log-odds of the answer model that answers a question; None: the fitted one,
    which refuses 90% of questions whose article is gone. Lower answers more questions and
    refuses fewer of those nothing answers (the trade-off: docs/design.md, Answer quality).
    Without the embedding model there is no answer model: a question is answered when the best
    article holds every content word of it, whatever this says."""
    llm_base_url: str | None = Field(
        default=None, description="OpenAI-compatible server (…/v1); set: the LLM backend is used."
    )
    llm_model: str = "gpt-4o-mini"
    llm_api_key: SecretStr | None = None
    llm_timeout: float = Field(default=60.0, gt=0, description="Seconds one LLM call may take.")
    llm_max_retries: int = Field(default=3, ge=0, description="Retries of one call (429/5xx).")
    llm_backoff_base: float = Field(default=1.0, ge=0)
    llm_backoff_max: float = Field(
        default=30.0, ge=0, description="Longest wait between retries (and for Retry-After)."
    )
    llm_max_source_chars: int = Field(default=24_000, ge=1_000)

    webhook_retry_base: float = Field(
        default=5.0, gt=0, description="Seconds before a failed delivery's second attempt."
    )
    webhook_retry_max: float = Field(default=3 * 3600.0, gt=0, description="Longest wait.")
    webhook_retry_window: float = Field(
        default=24 * 3600.0, gt=0, description="Seconds a delivery is retried for."
    )
    webhook_timeout: float = Field(default=10.0, gt=0, description="Seconds one attempt may take.")
    rate_limit: int = Field(
        default=600, ge=0, description="Requests a minute per API key (0: unlimited)."
    )
    schedule_min_interval: float = Field(
        default=300.0, gt=0, description="Shortest schedule interval in seconds (PT5M)."
    )
    schedule_poll_interval: float = Field(
        default=0.5, gt=0, description="How often a schedule run looks at the jobs it waits for."
    )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir.resolve() / 'kbsmith.db'}"

    @property
    def is_embedded(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @cached_property
    def resolved_secret_key(self) -> bytes:
        """The configured secret, or one generated once into the data directory."""
        if self.secret_key:
            return self.secret_key.encode()
        path = self.data_dir / SECRET_FILE_NAME
        if not path.exists():
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            path.touch(mode=0o600, exist_ok=True)
            if not path.read_text():
                path.write_text(secrets.token_urlsafe(48))
        return path.read_text().strip().encode()
