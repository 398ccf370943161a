"""Two updates of one article at the same time never lose one of them silently."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from kbsmith.api.errors import ApiError
from kbsmith.api.routes.articles import parse_if_match
from tests.knowledge.conftest import Kb, assert_error, content_body


async def test_concurrent_updates_without_if_match_land_as_successive_versions(kb: Kb) -> None:
    folder = await kb.folder()
    article = await kb.article(folder["id"], title="Start")
    path = f"/v2/hc-articles/{article['id']}/public"
    first, second = await asyncio.gather(
        kb.call("PUT", path, content_body(title="From Alice")),
        kb.call("PUT", path, content_body(title="From Bob")),
    )
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    assert sorted([first.json()["version"], second.json()["version"]]) == [2, 3]
    history = await kb.ok("GET", f"/v2/hc-articles/{article['id']}/versions/public")
    titles = [v["title"] for v in history["versions"]]
    assert sorted(titles[:2]) == ["From Alice", "From Bob"] and titles[2] == "Start"
    assert (await kb.one(article["id"]))["title"] == titles[0]


async def test_concurrent_updates_with_the_same_if_match_let_exactly_one_win(kb: Kb) -> None:
    folder = await kb.folder()
    article = await kb.article(folder["id"], title="Start")
    path = f"/v2/hc-articles/{article['id']}/public"
    responses = await asyncio.gather(
        kb.call("PUT", path, content_body(title="From Alice"), headers={"If-Match": "1"}),
        kb.call("PUT", path, content_body(title="From Bob"), headers={"If-Match": '"1"'}),
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409], [r.text for r in responses]
    winner = next(r for r in responses if r.status_code == 200).json()
    loser = next(r for r in responses if r.status_code == 409)
    assert_error(loser, 409, "version 2", "not 1")
    assert winner["version"] == 2
    assert await kb.one(article["id"]) == winner
    history = await kb.ok("GET", f"/v2/hc-articles/{article['id']}/versions/public")
    assert [v["version"] for v in history["versions"]] == [2, 1]


async def test_if_match_is_checked_against_the_current_version(kb: Kb) -> None:
    folder = await kb.folder()
    article = await kb.article(folder["id"])
    path = f"/v2/hc-articles/{article['id']}/public"
    assert (await kb.ok("PUT", path, content_body(), headers={"If-Match": "1"}))["version"] == 2
    stale = await kb.call("PUT", path, content_body(), headers={"If-Match": "1"})
    assert_error(stale, 409, "version 2")
    weak = await kb.ok("PUT", path, content_body(), headers={"If-Match": 'W/"2"'})
    assert weak["version"] == 3


async def test_a_malformed_if_match_is_400(kb: Kb) -> None:
    folder = await kb.folder()
    article = await kb.article(folder["id"])
    path = f"/v2/hc-articles/{article['id']}/public"
    for value in ("abc", "0", "-1", '"1'):
        response = await kb.call("PUT", path, content_body(), headers={"If-Match": value})
        assert_error(response, 400, "If-Match")
    assert (await kb.one(article["id"]))["version"] == 1
    # "*": whatever version is current (RFC 9110)
    assert (await kb.ok("PUT", path, content_body(), headers={"If-Match": "*"}))["version"] == 2


async def test_many_concurrent_updates_all_land(kb: Kb, client: httpx.AsyncClient) -> None:
    folder = await kb.folder()
    article = await kb.article(folder["id"])
    path = f"/v2/hc-articles/{article['id']}/public"
    responses = await asyncio.gather(
        *(kb.call("PUT", path, content_body(title=f"Edit {i}")) for i in range(8))
    )
    assert [r.status_code for r in responses] == [200] * 8
    assert sorted(r.json()["version"] for r in responses) == list(range(2, 10))
    history = await kb.ok("GET", f"/v2/hc-articles/{article['id']}/versions/public")
    assert len({v["title"] for v in history["versions"]}) == 9


@pytest.mark.parametrize(
    ("header", "version"),
    [("3", 3), ('"3"', 3), ('W/"3"', 3), (" 12 ", 12), ("*", None), (None, None)],
)
def test_if_match_names_a_version_or_any(header: str | None, version: int | None) -> None:
    assert parse_if_match(header) == version


@pytest.mark.parametrize("header", ['"3', '3"', "0", "-1", "v3", "", 'W/"', "3, 4"])
def test_an_if_match_that_names_no_version_is_a_400(header: str) -> None:
    with pytest.raises(ApiError) as refused:
        parse_if_match(header)
    assert refused.value.status == 400
