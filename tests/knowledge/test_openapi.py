"""Every knowledge route documents each status it can answer."""

from __future__ import annotations

import httpx

COMMON = {"200", "401", "403", "500"}
ROUTES = {
    ("get", "/v2/hc-articles/public"): {"400", "404"},
    ("post", "/v2/hc-articles/ids/public"): {"400", "413", "415"},
    ("post", "/v2/hc-articles/public"): {"400", "404", "413", "415"},
    ("put", "/v2/hc-articles/{article_id}/public"): {"400", "404", "409", "413", "415"},
    ("post", "/v2/hc-articles/{article_id}/draft/public"): {"400", "404", "409"},
    ("post", "/v2/hc-articles/{article_id}/publish/public"): {"400", "404", "409"},
    ("delete", "/v2/hc-articles/{article_id}/public"): {"400", "404"},
    ("put", "/v2/hc-articles/{article_id}/move/public"): {"400", "404"},
    ("get", "/v2/hc-articles/{article_id}/versions/public"): {"400", "404"},
    ("get", "/v2/hc-folders/public"): {"400", "404"},
    ("post", "/v2/hc-folders/public"): {"400", "404", "406"},
    ("put", "/v2/hc-folders/{folder_id}/public"): {"400", "404"},
    ("put", "/v2/hc-folders/{folder_id}/move/public"): {"400", "404", "406"},
    ("delete", "/v2/hc-folders/{folder_id}/public"): {"400", "404", "409"},
    ("post", "/v2/hc-bot-folder-junctions/public"): {"400", "404"},
    ("post", "/v2/bots/public"): {"400"},
    ("get", "/v2/bots/public"): set(),
    ("get", "/v2/bots/{bot_id}/public"): {"400", "404"},
}


async def test_every_route_documents_its_statuses(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for (method, path), statuses in ROUTES.items():
        documented = set(paths[path][method]["responses"])
        assert COMMON | statuses <= documented, (method, path, documented)
        error = (
            paths[path][method]["responses"].get("409") or paths[path][method]["responses"]["500"]
        )
        assert "ErrorBody" in str(error)
