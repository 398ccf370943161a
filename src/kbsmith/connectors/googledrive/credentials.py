"""What PUT /v2/connections/googledrive/public accepts."""

from __future__ import annotations

import json
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from kbsmith.connectors.googledrive import service_account
from kbsmith.fetching import InvalidUrl, normalize_url

DEFAULT_TOKEN_URL = "https://oauth2.googleapis.com/token"  # noqa: S105 - an address

Secret = Annotated[str, Field(min_length=1, max_length=4000)]


class DriveCredentials(BaseModel):
    """``{serviceAccountJson, subject?}`` or ``{clientId, clientSecret, refreshToken}``;
    ``tokenUrl`` replaces Google's token endpoint."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    service_account_json: dict[str, Any] | None = None
    subject: Annotated[str, Field(min_length=3, max_length=320)] | None = None
    client_id: Secret | None = None
    client_secret: Secret | None = None
    refresh_token: Secret | None = None
    token_url: str | None = None

    @field_validator("service_account_json", mode="before")
    @classmethod
    def _parsed_key(cls, value: object) -> object:
        """The key file's text or its parsed object; checked by google-auth."""
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ValueError("must be the service account's JSON key") from None
        if isinstance(value, dict):
            service_account.check(value)
        return value

    @field_validator("token_url")
    @classmethod
    def _token_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return normalize_url(value)
        except InvalidUrl as error:
            raise ValueError(str(error)) from None

    @model_validator(mode="after")
    def _one_way_to_sign_in(self) -> Self:
        oauth = (self.client_id, self.client_secret, self.refresh_token)
        with_key = self.service_account_json is not None and not any(oauth)
        with_refresh_token = all(oauth) and self.service_account_json is None
        if with_key == with_refresh_token:
            raise ValueError(
                "give either serviceAccountJson (and optionally subject), "
                "or clientId, clientSecret and refreshToken"
            )
        if self.subject is not None and not with_key:
            raise ValueError("subject is only used with serviceAccountJson")
        return self

    def resolved_token_url(self) -> str:
        if self.token_url:
            return self.token_url
        if self.service_account_json is not None:
            return str(self.service_account_json.get("token_uri") or DEFAULT_TOKEN_URL)
        return DEFAULT_TOKEN_URL
