"""The LLM backend: the decision and the article asked of an OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import structlog
from openai.types.chat import ChatCompletionMessageParam
from pydantic import BaseModel

from kbsmith.generation.inputs import Decision, GenerationInput, Usage, WrittenArticle
from kbsmith.generation.llm import articles, decisions, grounding, prompts
from kbsmith.generation.llm.answers import InvalidAnswer, parse
from kbsmith.generation.llm.client import ChatClient, JsonSchema
from kbsmith.generation.llm.config import LLMConfig
from kbsmith.jobs.errors import PermanentJobError

log = structlog.get_logger("kbsmith.generation.llm")

Answer = TypeVar("Answer", bound=BaseModel)
Result = TypeVar("Result")


class LLMBackend:
    name = "llm"

    def __init__(self, config: LLMConfig) -> None:
        self.config = config
        self.client = ChatClient(config)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def decide(self, inp: GenerationInput) -> tuple[Decision, Usage]:
        settled = decisions.settled_without_asking(inp)
        if settled is not None:
            return settled, Usage()
        return await self._ask(
            "decision",
            prompts.decision_messages(inp, self.config.max_source_chars),
            decisions.schema(inp),
            decisions.DecisionAnswer,
            lambda answer: decisions.to_decision(answer, inp, self.config.model),
        )

    async def write(self, inp: GenerationInput, chosen: Decision) -> tuple[WrittenArticle, Usage]:
        return await self._ask(
            "article",
            prompts.article_messages(inp, chosen, self.config.max_source_chars),
            articles.SCHEMA,
            articles.ArticleAnswer,
            lambda answer: grounding.checked(articles.to_written(answer), inp),
        )

    async def _ask(
        self,
        what: str,
        messages: list[ChatCompletionMessageParam],
        schema: JsonSchema,
        model: type[Answer],
        accept: Callable[[Answer], Result],
    ) -> tuple[Result, Usage]:
        """The model's answer, accepted; an invalid one gets one repair request saying why."""
        reply = await self.client.complete(messages, f"kbsmith_{what}", schema)
        try:
            return accept(parse(reply, model)), reply.usage
        except InvalidAnswer as problem:
            log.info("llm_answer_rejected", what=what, problem=str(problem))
            repair = prompts.repair_messages(messages, reply.content, str(problem))
        second = await self.client.complete(repair, f"kbsmith_{what}", schema)
        used = _sum(reply.usage, second.usage)
        try:
            return accept(parse(second, model)), used
        except InvalidAnswer as problem:
            raise PermanentJobError(
                f"the LLM's {what} was invalid, even after a repair request: {problem}"
            ) from None


def _sum(first: Usage, second: Usage) -> Usage:
    return Usage(
        first.prompt_tokens + second.prompt_tokens,
        first.completion_tokens + second.completion_tokens,
    )
