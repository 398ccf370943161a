"""The LLM backend: decision and writing asked of an OpenAI-compatible chat-completions server."""

from kbsmith.generation.llm.backend import LLMBackend
from kbsmith.generation.llm.config import LLMConfig

__all__ = ["LLMBackend", "LLMConfig"]
