"""PUT /v2/connections/confluence/public: Cloud (email + API token) or Data Center (PAT)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from kbsmith.connectors.base import HeaderToken

CLOUD_WIKI_PATH = "/wiki"
Token = Annotated[str, Field(min_length=1, max_length=1000), HeaderToken]


class ConfluenceCredentials(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", str_strip_whitespace=True
    )

    site_url: str = Field(max_length=2048)
    email: str | None = Field(default=None, min_length=3, max_length=320)
    api_token: Token | None = None
    personal_access_token: Token | None = None

    @field_validator("site_url")
    @classmethod
    def _absolute_http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an absolute http(s) URL, e.g. https://acme.atlassian.net")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _one_way_to_sign_in(self) -> ConfluenceCredentials:
        cloud = self.email is not None or self.api_token is not None
        if cloud == (self.personal_access_token is not None):
            raise ValueError(
                "give email and apiToken (Confluence Cloud) or personalAccessToken (Data Center)"
            )
        if cloud and (self.email is None or self.api_token is None):
            raise ValueError("Confluence Cloud needs both email and apiToken")
        return self

    @property
    def is_cloud(self) -> bool:
        return self.personal_access_token is None

    @property
    def site(self) -> str:
        """The site's address: Cloud without its /wiki suffix, Data Center with its context path."""
        if self.is_cloud and self.site_url.endswith(CLOUD_WIKI_PATH):
            return self.site_url[: -len(CLOUD_WIKI_PATH)]
        return self.site_url
