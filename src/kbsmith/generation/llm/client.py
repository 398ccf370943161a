"""One JSON answer from an OpenAI-compatible chat-completions server, retried as we decide."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import openai
import structlog
from openai import AsyncOpenAI, omit
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam
from openai.types.shared_params import ResponseFormatJSONObject, ResponseFormatJSONSchema

from kbsmith.generation.inputs import Usage
from kbsmith.generation.llm.config import LLMConfig
from kbsmith.generation.llm.failures import backoff, describe

log = structlog.get_logger("kbsmith.generation.llm")

JsonSchema = dict[str, Any]
Messages = Sequence[ChatCompletionMessageParam]


@dataclass(frozen=True)
class Reply:
    content: str
    finish_reason: str
    usage: Usage


class ChatClient:
    def __init__(self, config: LLMConfig) -> None:
        self.config = config
        # max_retries=0: the SDK's own retries would hide 429s and ignore our bounds.
        self._openai = AsyncOpenAI(
            base_url=config.base_url,
            api_key=config.api_key,
            timeout=config.timeout,
            max_retries=0,
        )
        self._json_schema_refused = False

    async def aclose(self) -> None:
        await self._openai.close()

    async def complete(
        self,
        messages: Messages,
        name: str,
        schema: JsonSchema,
        *,
        temperature: float | None = None,
    ) -> Reply:
        """An answer, after retries on 429, 5xx, timeouts and connection errors; a final
        failure is raised as a job error with a message fit for users. ``temperature``: the
        server's default when None."""
        attempt = 0
        while True:
            try:
                return await self._complete_once(messages, name, schema, temperature)
            except (openai.APIError, TimeoutError) as error:
                failure = describe(error, self.config)
            delay = backoff(attempt, failure, self.config) if failure.retryable else None
            if delay is None or attempt >= self.config.max_retries:
                raise failure.as_job_error(attempt + 1) from None
            log.info("llm_call_retried", error=failure.message, delay=round(delay, 2))
            await asyncio.sleep(delay)
            attempt += 1

    async def _complete_once(
        self, messages: Messages, name: str, schema: JsonSchema, temperature: float | None
    ) -> Reply:
        if not self._json_schema_refused:
            structured: ResponseFormatJSONSchema = {
                "type": "json_schema",
                "json_schema": {"name": name, "schema": schema, "strict": True},
            }
            try:
                return await self._call(messages, structured, temperature)
            except (openai.BadRequestError, openai.UnprocessableEntityError) as error:
                # Servers without structured outputs refuse json_schema; JSON mode with the
                # schema spelled out in the prompt is the fallback (answers are validated anyway).
                self._json_schema_refused = True
                log.warning("llm_json_schema_refused", status=error.status_code)
        plain: ResponseFormatJSONObject = {"type": "json_object"}
        return await self._call(messages, plain, temperature)

    async def _call(
        self,
        messages: Messages,
        response_format: ResponseFormatJSONSchema | ResponseFormatJSONObject,
        temperature: float | None,
    ) -> Reply:
        async with asyncio.timeout(self.config.timeout):
            completion = await self._openai.chat.completions.create(
                model=self.config.model,
                messages=messages,
                response_format=response_format,
                temperature=omit if temperature is None else temperature,
            )
        reply = _reply(completion)
        log.info(
            "llm_call",
            model=self.config.model,
            finish_reason=reply.finish_reason,
            prompt_tokens=reply.usage.prompt_tokens,
            completion_tokens=reply.usage.completion_tokens,
        )
        return reply


def _reply(completion: ChatCompletion) -> Reply:
    usage = (
        Usage(completion.usage.prompt_tokens, completion.usage.completion_tokens)
        if completion.usage
        else Usage()
    )
    if not completion.choices:
        return Reply("", "no choices", usage)
    choice = completion.choices[0]
    return Reply(choice.message.content or "", str(choice.finish_reason), usage)
