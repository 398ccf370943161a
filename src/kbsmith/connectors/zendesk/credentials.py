"""What PUT /v2/connections/zendesk/public accepts, and how it authenticates API calls."""

from __future__ import annotations

import re
from typing import Annotated, Self

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from kbsmith.connectors.base import HeaderToken

SUBDOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")

Secret = Annotated[str, Field(min_length=1, max_length=2000), HeaderToken]


class ZendeskCredentials(BaseModel):
    """``{subdomain, email, apiToken}`` or ``{subdomain, oauthToken}``."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    subdomain: Annotated[str, Field(min_length=1, max_length=255)]
    email: Annotated[str, Field(min_length=3, max_length=320)] | None = None
    api_token: Secret | None = None
    oauth_token: Secret | None = None

    @field_validator("subdomain")
    @classmethod
    def _bare_subdomain(cls, value: str) -> str:
        """Accept "acme", "acme.zendesk.com" or "https://acme.zendesk.com/"; keep "acme"."""
        bare = value.strip().lower().removeprefix("https://").removeprefix("http://")
        bare = bare.rstrip("/").removesuffix(".zendesk.com")
        if not SUBDOMAIN.match(bare):
            raise ValueError("must be a Zendesk subdomain such as 'acme' (for acme.zendesk.com)")
        return bare

    @model_validator(mode="after")
    def _one_way_to_sign_in(self) -> Self:
        api_token = self.email is not None and self.api_token is not None
        oauth = self.oauth_token is not None and self.email is None and self.api_token is None
        if api_token == oauth:
            raise ValueError("give either email and apiToken, or oauthToken")
        return self

    @property
    def api_base(self) -> str:
        return f"https://{self.subdomain}.zendesk.com"

    def auth(self) -> httpx.Auth | None:
        if self.email is not None and self.api_token is not None:
            return httpx.BasicAuth(f"{self.email}/token", self.api_token)
        return None

    def headers(self) -> dict[str, str]:
        if self.oauth_token is not None:
            return {"Authorization": f"Bearer {self.oauth_token}"}
        return {}
