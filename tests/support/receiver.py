"""A webhook receiver on 127.0.0.1 that verifies Standard Webhooks signatures (with the
`standardwebhooks` package, not our signing code) and can be taken down for a while."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx
from standardwebhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support.asgi_thread import ThreadedAsgiServer


@dataclass
class Received:
    id: str
    type: str
    data: dict[str, Any]


@dataclass
class Receiver:
    secret: str = ""
    down: bool = False
    """Answer 503 to every delivery (as a receiver being redeployed would)."""
    received: list[Received] = field(default_factory=list)
    refused: int = 0
    bad_signatures: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])

    async def _hook(self, request: Request) -> Response:
        body = await request.body()
        with self._lock:
            if self.down:
                self.refused += 1
                return Response(status_code=503)
            try:
                Webhook(self.secret).verify(body, dict(request.headers))
            except Exception:
                self.bad_signatures += 1
                return Response(status_code=400)
            payload = json.loads(body)
            self.received.append(
                Received(request.headers["webhook-id"], payload["type"], payload["data"])
            )
        return Response(status_code=204)

    def of_type(self, event: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.type == event]


class ReceiverServer:
    def __init__(self) -> None:
        self.receiver = Receiver()
        self.server = ThreadedAsgiServer(self.receiver.app(), graceful_shutdown=1)

    @property
    def url(self) -> str:
        return f"{self.server.url}/hook"

    def __enter__(self) -> Receiver:
        self.server.start()
        return self.receiver

    def __exit__(self, *_: object) -> None:
        self.server.stop()


async def subscribe(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    url: str,
    events: list[str],
    receiver: Receiver | None = None,
) -> str:
    """Creates a webhook through the API; hands its secret to the receiver; answers its id."""
    response = await client.post(
        "/v2/webhooks/public", json={"url": url, "events": events}, headers=headers
    )
    assert response.status_code == 200, response.text
    created = response.json()
    if receiver is not None:
        receiver.secret = created["secret"]
    webhook_id: str = created["id"]
    return webhook_id
