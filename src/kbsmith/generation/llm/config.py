"""What the LLM backend needs from the settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from kbsmith.settings import Settings

NO_KEY = "no-key"
"""Sent when no key is configured (local servers such as Ollama ignore it; the SDK needs one)."""


@dataclass(frozen=True)
class LLMConfig:
    base_url: str
    model: str
    api_key: str = field(repr=False)
    timeout: float = 60.0
    max_retries: int = 3
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    max_source_chars: int = 24_000

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMConfig:
        assert settings.llm_base_url
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
        return cls(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=key or NO_KEY,
            timeout=settings.llm_timeout,
            max_retries=settings.llm_max_retries,
            backoff_base=settings.llm_backoff_base,
            backoff_max=settings.llm_backoff_max,
            max_source_chars=settings.llm_max_source_chars,
        )

    def scrub(self, text: str) -> str:
        """``text`` without the API key (servers may echo it in their error messages)."""
        if self.api_key == NO_KEY or len(self.api_key) < 4:
            return text
        return text.replace(self.api_key, "***")
