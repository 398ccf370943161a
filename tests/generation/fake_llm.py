"""A fake OpenAI-compatible chat-completions server on 127.0.0.1, scriptable per test.

It speaks the real wire format (``POST /v1/chat/completions``; ``chat.completion`` objects
with ``choices``, ``finish_reason`` and ``usage``; OpenAI-shaped error bodies), checks the
bearer key, and records every request. Each request takes the next scripted behaviour; with
none left it uses ``fallback``, and by default answers sensibly by reading kbsmith's prompt.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.asgi_thread import ThreadedAsgiServer

API_KEY = "sk-fake-test-key-7f3a9c2e"
ADD, UPDATE, NOTHING = "ADD_ARTICLE_TO_FOLDER", "UPDATE_ARTICLE", "DO_NOTHING"


@dataclass(frozen=True)
class Answer:
    content: str
    finish_reason: str = "stop"


@dataclass(frozen=True)
class Sensible:
    """The default: a sensible answer read from the prompt."""


@dataclass(frozen=True)
class Fail:
    status: int
    retry_after: float | None = None
    message: str = "simulated failure"


@dataclass(frozen=True)
class Stall:
    """Sleep (until the test ends at most), then answer sensibly."""

    seconds: float


Behaviour = Answer | Sensible | Fail | Stall


def answer_json(value: dict[str, Any]) -> Answer:
    return Answer(json.dumps(value))


@dataclass
class Recorded:
    body: dict[str, Any]
    authorization: str
    at: float = field(default_factory=time.monotonic)
    usage: dict[str, int] = field(default_factory=dict)

    @property
    def messages(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.body.get("messages", [])
        return messages

    @property
    def kind(self) -> str:
        return "decision" if "targetHandle" in self.messages[0]["content"] else "article"

    @property
    def user_text(self) -> str:
        return "\n".join(m["content"] for m in self.messages if m["role"] == "user")

    @property
    def response_format(self) -> str:
        return str(self.body.get("response_format", {}).get("type"))


class FakeLLM:
    def __init__(self) -> None:
        self.script: deque[Behaviour] = deque()
        self.fallback: Behaviour = Sensible()
        self.refuse_json_schema = False
        self.requests: list[Recorded] = []
        self._epoch = 0
        self._ids = itertools.count(1)
        app = Starlette(routes=[Route("/v1/chat/completions", self._complete, methods=["POST"])])
        # a stalled request must not hold up stopping the server
        self._server = ThreadedAsgiServer(app, graceful_shutdown=1)

    @property
    def base_url(self) -> str:
        return f"{self._server.url}/v1"

    def then(self, *behaviours: Behaviour) -> None:
        self.script.extend(behaviours)

    def reset(self) -> None:
        """Forget the script and the requests; release stalled requests."""
        self.script.clear()
        self.fallback = Sensible()
        self.refuse_json_schema = False
        self.requests = []
        self._epoch += 1

    # serving ---------------------------------------------------------------------------------

    async def _complete(self, request: Request) -> JSONResponse:
        body = await request.json()
        recorded = Recorded(body, request.headers.get("authorization", ""))
        self.requests.append(recorded)
        if recorded.authorization != f"Bearer {API_KEY}":
            presented = recorded.authorization.removeprefix("Bearer ")
            # Real servers echo (part of) a wrong key; kbsmith must not pass it on.
            return _error(401, f"Incorrect API key provided: {presented}", "invalid_api_key")
        if self.refuse_json_schema and recorded.response_format == "json_schema":
            return _error(400, "response_format json_schema is not supported", "invalid_request")
        behaviour = self.script.popleft() if self.script else self.fallback
        if isinstance(behaviour, Stall):
            await self._stall(behaviour.seconds)
            behaviour = Sensible()
        if isinstance(behaviour, Fail):
            headers = {"retry-after": f"{behaviour.retry_after:g}"} if behaviour.retry_after else {}
            return _error(behaviour.status, behaviour.message, "simulated", headers)
        if isinstance(behaviour, Answer):
            return self._completion(recorded, behaviour.content, behaviour.finish_reason)
        return self._completion(recorded, sensible_answer(recorded), "stop")

    async def _stall(self, seconds: float) -> None:
        epoch, deadline = self._epoch, time.monotonic() + seconds
        while time.monotonic() < deadline and epoch == self._epoch:
            await asyncio.sleep(0.05)

    def _completion(self, recorded: Recorded, content: str, finish_reason: str) -> JSONResponse:
        prompt = sum(len(m["content"]) for m in recorded.messages) // 4 + 1
        recorded.usage = {"prompt_tokens": prompt, "completion_tokens": len(content) // 4 + 1}
        return JSONResponse(
            {
                "id": f"chatcmpl-fake-{next(self._ids)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": recorded.body.get("model", ""),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": finish_reason,
                        "logprobs": None,
                    }
                ],
                "usage": {**recorded.usage, "total_tokens": sum(recorded.usage.values())},
            }
        )

    # lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self.reset()
        self._server.stop()


def _error(
    status: int, message: str, code: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"message": message, "type": "invalid_request_error", "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


# sensible answers ------------------------------------------------------------------------------


def sensible_answer(recorded: Recorded) -> str:
    if recorded.kind == "decision":
        return json.dumps(_decision(recorded.user_text))
    return json.dumps(_article(recorded.user_text))


def _decision(prompt: str) -> dict[str, Any]:
    """ADD into the best folder, unless the closest article has the same title."""
    allowed = _line(prompt, "Allowed operations: ").split(", ")
    same_title = _line(prompt, "[Article 1] ") == _line(prompt, "Title: ")
    folder = 1 if "[Folder 1]" in prompt else None
    if same_title and UPDATE in allowed:
        return _decided(UPDATE, 1, None, "the closest article has the same subject")
    if same_title and NOTHING in allowed:
        return _decided(NOTHING, 1, None, "the closest article already covers it")
    if ADD in allowed:
        return _decided(ADD, None, folder, "no article covers this subject")
    return _decided("NONE_FITS", None, None, "only ADD would fit and it is not allowed")


def _decided(op: str, target: int | None, folder: int | None, reason: str) -> dict[str, Any]:
    return {"operation": op, "targetHandle": target, "folderHandle": folder, "reason": reason}


def _article(prompt: str) -> dict[str, Any]:
    title = _line(prompt, "Title: ")
    found = re.search(r"<source>\n(.*)\n</source>", prompt, re.DOTALL)
    words = [w.casefold() for w in re.findall(r"[A-Za-z]{4,}", title)]
    return {
        "title": title,
        "mainKnowledge": found.group(1) if found else title,
        "questions": [f"How do I {title[:1].lower()}{title[1:]}?"],
        "keywords": words[:5] or ["help"],
        "agentInstruction": "Answer from this article only.",
        "escalation": False,
    }


def _line(text: str, prefix: str) -> str:
    for line in text.splitlines():
        if line.startswith(prefix):
            return line.removeprefix(prefix).strip()
    return ""
