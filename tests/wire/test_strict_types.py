"""Types are strict in every JSON request body: a value of the wrong JSON type is a 400 that
names the field, never coerced ("yes" is not true, 1 is not true, "5" and 5.0 are not 5, 5 is
not "5")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple, get_args

import httpx
import pytest
from fastapi import params
from fastapi.routing import APIRoute
from pydantic import BaseModel

from kbsmith.api.routes import ROUTERS
from kbsmith.api.schemas import WireRequest
from tests.conftest import Keys
from tests.knowledge.conftest import JSON, assert_error

AN_ID = "3f1c9d7e-1111-4c1d-9d1f-0a8b7c6d5e4f"
A_URL = "https://kbsmith.invalid/help"
ARTICLE: JSON = {
    "title": "Canceling your subscription",
    "mainKnowledge": "Customers can cancel from Billing in the dashboard.",
    "questions": ["How do I cancel?"],
    "keywords": ["cancel"],
    "parentFolderId": AN_ID,
}
BULK: JSON = {"documentIds": [AN_ID], "origin": "sources"}
INGEST: JSON = {"source": "web", "documentIdsToAdd": [A_URL]}
CRAWL: JSON = {"links": [A_URL]}


class WrongType(NamedTuple):
    method: str
    path: str
    body: JSON
    field: str


def wrong(method: str, path: str, body: JSON, field: str, value: Any) -> WrongType:
    """``body`` with ``field`` (its wire name, dotted for nested fields) set to ``value``."""
    return WrongType(method, path, _with(body, field.split("."), value), field)


def _with(body: Any, path: list[str], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(body, list):
        index = int(head)
        return [*body[:index], _with(body[index], rest, value), *body[index + 1 :]]
    return body | {head: _with(body.get(head, {}), rest, value)}


ARTICLES = "/v2/hc-articles"
COERCED = [
    wrong("POST", f"{ARTICLES}/public", ARTICLE, "isDraft", "true"),
    wrong("POST", f"{ARTICLES}/public", ARTICLE, "isDraft", 1),
    wrong("POST", f"{ARTICLES}/public", ARTICLE, "active", "yes"),
    wrong("POST", f"{ARTICLES}/public", ARTICLE, "public", 0),
    wrong("POST", f"{ARTICLES}/public", ARTICLE, "escalation", "false"),
    wrong("PUT", f"{ARTICLES}/{AN_ID}/public", ARTICLE, "active", "false"),
    wrong("PUT", f"{ARTICLES}/{AN_ID}/public", ARTICLE, "isDraft", 0),
    wrong("POST", f"{ARTICLES}/{AN_ID}/draft/public", ARTICLE, "public", "true"),
    wrong("POST", f"{ARTICLES}/{AN_ID}/draft/public", ARTICLE, "isDraft", "yes"),
    wrong("POST", f"{ARTICLES}/{AN_ID}/publish/public", ARTICLE, "escalation", 1),
    wrong("POST", f"{ARTICLES}/{AN_ID}/publish/public", ARTICLE, "isDraft", "no"),
    wrong("POST", "/v2/hc-folders/public", {"title": "Billing"}, "active", "true"),
    wrong("PUT", f"/v2/hc-folders/{AN_ID}/public", {}, "active", 1),
    wrong("POST", "/v2/knowledge/public", {"candidateKnowledge": "Text"}, "isDraft", "yes"),
    wrong("POST", "/v2/knowledge/public", {"candidateKnowledge": "Text"}, "isDraft", 1),
    wrong("POST", "/v2/knowledge/public/bulk", BULK, "isDraft", "yes"),
    wrong("POST", "/v2/knowledge/public/bulk", BULK, "isDraft", 1),
    wrong("POST", "/v2/documents/public", INGEST, "english", "true"),
    wrong("POST", "/v2/documents/public", INGEST, "baser", 1),
    wrong("DELETE", "/v2/documents/public", {"documentIds": [AN_ID]}, "deleteArticles", "true"),
    wrong("DELETE", "/v2/documents/public", {"documentIds": [AN_ID]}, "deleteArticles", 1),
    wrong("POST", "/v2/documents/public/deep-crawl/links", CRAWL, "limit", "5"),
    wrong("POST", "/v2/documents/public/deep-crawl/links", CRAWL, "limit", 5.0),
    wrong("POST", "/v2/documents/public/deep-crawl/links", CRAWL, "limit", True),
]
"""Values pydantic's lax mode used to coerce: text or numbers for booleans, text, floats or
booleans for integers."""

NOT_TEXT = [
    wrong("POST", f"{ARTICLES}/public", ARTICLE, "title", 5),
    wrong("POST", f"{ARTICLES}/public", ARTICLE, "questions.0", 5),
    wrong("POST", f"{ARTICLES}/public", ARTICLE, "origin", 5),
    wrong("POST", f"{ARTICLES}/public", ARTICLE, "parentFolderId", 5),
    wrong("PUT", f"{ARTICLES}/{AN_ID}/public", ARTICLE, "keywords.0", 1),
    wrong("POST", f"{ARTICLES}/ids/public", {}, "articleIds", [5]),
    wrong("PUT", f"{ARTICLES}/{AN_ID}/move/public", {}, "parentFolderId", 5),
    wrong("POST", "/v2/hc-folders/public", {"title": "Billing"}, "title", 5),
    wrong("POST", "/v2/hc-folders/public", {"title": "Billing"}, "description", 5),
    wrong("PUT", f"/v2/hc-folders/{AN_ID}/move/public", {}, "parentFolderId", 5),
    wrong(
        "POST",
        "/v2/hc-bot-folder-junctions/public",
        {"junctions": [{"folderId": AN_ID, "botId": AN_ID, "action": "ADD"}]},
        "junctions.0.action",
        1,
    ),
    wrong("POST", "/v2/bots/public", {}, "name", 5),
    wrong("POST", "/v2/knowledge/public", {}, "candidateKnowledge", 5),
    wrong("POST", "/v2/knowledge/public/bulk", BULK, "instructions", 5),
    wrong("POST", "/v2/knowledge/public/bulk", BULK, "restrictedOps", [1]),
    wrong("POST", "/v2/knowledge/public/jobs/status", {}, "jobIds", [5]),
    wrong("POST", "/v2/knowledge/public/tree/initialize", {}, "initPrompt", 5),
    wrong("POST", "/v2/documents/public", INGEST, "source", 5),
    wrong("POST", "/v2/documents/public/refresh", {}, "documentIds", [5]),
    wrong(
        "POST",
        "/v2/documents/public/resources/notion",
        {"resources": [{"externalId": "page-1"}]},
        "resources.0.externalId",
        5,
    ),
    wrong("PUT", "/v2/connections/notion/public", {}, "token", 5),
    wrong("PUT", "/v2/connections/zendesk/public", {"subdomain": "acme"}, "oauthToken", 5),
]
"""Numbers where text, an id or an enum value is due: pydantic 2 never coerced these, even in
lax mode; kept here so that no later setting (``coerce_numbers_to_str``) lets them in."""


def case_id(case: WrongType) -> str:
    return f"{case.method} {case.path} {case.field}"


async def assert_refused(client: httpx.AsyncClient, keys: Keys, case: WrongType) -> None:
    headers = await keys.headers("acme")
    answer = await client.request(case.method, case.path, json=case.body, headers=headers)
    assert_error(answer, 400)
    assert answer.json()["message"].startswith(case.field), answer.json()


@pytest.mark.parametrize("case", COERCED, ids=case_id)
async def test_a_value_lax_mode_would_coerce_is_a_400_naming_the_field(
    client: httpx.AsyncClient, keys: Keys, case: WrongType
) -> None:
    await assert_refused(client, keys, case)


@pytest.mark.parametrize("case", NOT_TEXT, ids=case_id)
async def test_a_number_where_text_or_an_id_is_due_stays_a_400_naming_the_field(
    client: httpx.AsyncClient, keys: Keys, case: WrongType
) -> None:
    await assert_refused(client, keys, case)


async def test_bulk_without_origin_is_a_400_naming_origin(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    body = {"documentIds": [AN_ID], "isDraft": True}
    answer = await client.post("/v2/knowledge/public/bulk", json=body, headers=await keys.headers())
    assert_error(answer, 400, "origin is required")


NOT_FOR_A_HEADER = [
    wrong("PUT", "/v2/connections/notion/public", {}, "token", "s\u00e9cret"),
    wrong("PUT", "/v2/connections/zendesk/public", {"subdomain": "acme"}, "oauthToken", "a b"),
    wrong(
        "PUT",
        "/v2/connections/confluence/public",
        {"siteUrl": "https://acme.atlassian.net"},
        "personalAccessToken",
        "line\nbreak",
    ),
]
"""Tokens a provider's HTTP header cannot carry (ASCII only): refused, not a 500 on the check."""


@pytest.mark.parametrize("case", NOT_FOR_A_HEADER, ids=case_id)
async def test_a_token_no_header_can_carry_is_a_400_naming_the_field(
    client: httpx.AsyncClient, keys: Keys, case: WrongType
) -> None:
    await assert_refused(client, keys, case)


CHECKED_BY_THE_SERVICE = {"/v2/connections/{provider}/public"}
"""Bodies the route takes as a plain object: the provider's credentials model validates it,
strictly (the connections rows above)."""


def json_bodies() -> Iterator[tuple[str, Any]]:
    for router in ROUTERS:
        for route in router.routes:
            if not isinstance(route, APIRoute) or route.path in CHECKED_BY_THE_SERVICE:
                continue
            for body in route.dependant.body_params:
                if not isinstance(body.field_info, params.Form):  # multipart files are not JSON
                    yield route.path, body.field_info.annotation


def models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    """The models an annotation holds, and the models their fields hold, recursively."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        for field in annotation.model_fields.values():
            yield from models_in(field.annotation)
    for argument in get_args(annotation):
        yield from models_in(argument)


def test_every_json_body_of_every_route_is_a_strict_wire_request() -> None:
    bodies = list(json_bodies())
    assert len(bodies) >= 20
    lax = {
        f"{path}: {model.__name__}"
        for path, annotation in bodies
        for model in models_in(annotation)
        if not issubclass(model, WireRequest)
    }
    assert not lax
    assert all(list(models_in(annotation)) for _path, annotation in bodies)
