"""Provider connections on the wire (never a secret)."""

from __future__ import annotations

from kbsmith.api.schemas import ApiTime, WireModel
from kbsmith.connectors.models import Connection


class ConnectionView(WireModel):
    provider: str
    base_url: str | None
    account: str
    created_at: ApiTime
    updated_at: ApiTime

    @classmethod
    def of(cls, connection: Connection) -> ConnectionView:
        return cls(
            provider=connection.provider,
            base_url=connection.base_url,
            account=connection.account,
            created_at=connection.created_at,
            updated_at=connection.updated_at,
        )


class ConnectionList(WireModel):
    connections: list[ConnectionView]
