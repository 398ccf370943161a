from __future__ import annotations

import re
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query

from kbsmith.api.deps import DatabaseDep, ReadPrincipal, WritePrincipal, require_json
from kbsmith.api.errors import ApiError
from kbsmith.api.openapi import error_responses
from kbsmith.api.paths import ARTICLE_ID
from kbsmith.api.schemas import articles as wire
from kbsmith.db.pagination import DEFAULT_LIMIT, MAX_LIMIT, Direction
from kbsmith.knowledge import articles, history, publishing, review
from kbsmith.knowledge.repository import ArticleKind, ReviewState

router = APIRouter(tags=["articles"], dependencies=[Depends(require_json)])


IF_MATCH = re.compile(r'(?:W/)?(?:"([0-9]+)"|([0-9]+))')


def parse_if_match(value: str | None) -> int | None:
    """``If-Match: 3`` (or ``"3"``, ``W/"3"``): the article version the client last saw;
    ``*`` (any version, RFC 9110) is as none."""
    if value is None or value.strip() == "*":
        return None
    match = IF_MATCH.fullmatch(value.strip())
    version = int(match.group(1) or match.group(2)) if match else 0
    if version < 1:
        raise ApiError(400, "If-Match must be the article version the change is based on")
    return version


@router.get(
    "/v2/hc-articles/public", summary="List articles, newest first", responses=error_responses(404)
)
async def list_articles(
    principal: ReadPrincipal,
    db: DatabaseDep,
    kind: Annotated[ArticleKind | None, Query(alias="type")] = None,
    review: Annotated[
        ReviewState | None,
        Query(description="(ext) pending: awaiting review; published: published drafts"),
    ] = None,
    parent_folder_id: Annotated[uuid.UUID | None, Query(alias="parentFolderId")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[uuid.UUID | None, Query(description="An article id")] = None,
    direction: Annotated[Direction, Query(description="next: older; previous: newer")] = (
        Direction.NEXT
    ),
) -> wire.ArticlePage:
    async with db.read() as session:
        page = await articles.list_articles(
            session,
            principal.workspace_id,
            kind=kind,
            folder_id=parent_folder_id,
            review=review,
            cursor_id=cursor,
            direction=direction,
            limit=limit,
        )
        return wire.ArticlePage(
            articles=[wire.Article.from_record(a) for a in page.items], has_more=page.has_more
        )


@router.post("/v2/hc-articles/ids/public", summary="Get articles by id, in the order asked")
async def get_articles(
    body: wire.ArticleIdsIn, principal: ReadPrincipal, db: DatabaseDep
) -> list[wire.Article]:
    async with db.read() as session:
        found = await articles.get_articles(session, principal.workspace_id, body.article_ids)
        return [wire.Article.from_record(a) for a in found]


@router.post(
    "/v2/hc-articles/public",
    summary="Create a live article or a draft",
    responses=error_responses(404),
)
async def create_article(
    body: wire.ArticleCreate, principal: WritePrincipal, db: DatabaseDep
) -> wire.Article:
    async with db.write() as session:
        article = await articles.create_article(
            session,
            principal.workspace_id,
            body.to_content(),
            parent_folder_id=body.parent_folder_id,
            is_draft=body.is_draft,
            origin=body.origin,
            author_key_id=principal.key_id,
        )
        return wire.Article.model_validate(article)


@router.put(
    f"/v2/hc-articles/{{article_id:{ARTICLE_ID}}}/public",
    summary="Replace an article's content as its next version",
    responses=error_responses(404, 409),
)
async def update_article(
    article_id: uuid.UUID,
    body: wire.ArticleRevisionIn,
    principal: WritePrincipal,
    db: DatabaseDep,
    if_match: Annotated[
        str | None, Header(alias="If-Match", description="Refuse (409) unless at this version")
    ] = None,
) -> wire.Article:
    expected = parse_if_match(if_match)
    async with db.write() as session:
        article = await articles.update_article(
            session,
            principal.workspace_id,
            article_id,
            body.to_content(),
            expected_version=expected,
            parent_folder_id=body.parent_folder_id,
            origin=body.origin,
            author_key_id=principal.key_id,
        )
        return wire.Article.model_validate(article)


@router.post(
    "/v2/hc-articles/{article_id}/draft/public",
    summary="Fork a draft from a live article",
    responses=error_responses(404, 409),
)
async def fork_draft(
    article_id: uuid.UUID,
    principal: WritePrincipal,
    db: DatabaseDep,
    body: wire.ArticleRevisionIn | None = None,
) -> wire.Article:
    async with db.write() as session:
        draft = await publishing.fork_draft(
            session,
            principal.workspace_id,
            article_id,
            body.to_content() if body else None,
            origin=body.origin if body else None,
            parent_folder_id=body.parent_folder_id if body else None,
            author_key_id=principal.key_id,
        )
        return wire.Article.model_validate(draft)


@router.post(
    "/v2/hc-articles/{article_id}/publish/public",
    summary="Publish a draft; answers the live article",
    responses=error_responses(404, 409),
)
async def publish_draft(
    article_id: uuid.UUID,
    principal: WritePrincipal,
    db: DatabaseDep,
    body: wire.ArticleRevisionIn | None = None,
) -> wire.Article:
    async with db.write() as session:
        live = await publishing.publish_draft(
            session,
            principal.workspace_id,
            article_id,
            body.to_content() if body else None,
            origin=body.origin if body else None,
            parent_folder_id=body.parent_folder_id if body else None,
            author_key_id=principal.key_id,
        )
        return wire.Article.model_validate(live)


@router.delete(
    f"/v2/hc-articles/{{article_id:{ARTICLE_ID}}}/public",
    summary="Delete an article; answers it as it was",
    responses=error_responses(404),
)
async def delete_article(
    article_id: uuid.UUID, principal: WritePrincipal, db: DatabaseDep
) -> wire.Article:
    async with db.write() as session:
        article = await articles.delete_article(session, principal.workspace_id, article_id)
        return wire.Article.model_validate(article)


@router.put(
    "/v2/hc-articles/{article_id}/move/public",
    summary="Move an article into another folder",
    responses=error_responses(404),
)
async def move_article(
    article_id: uuid.UUID, body: wire.ArticleMoveIn, principal: WritePrincipal, db: DatabaseDep
) -> wire.Article:
    async with db.write() as session:
        article = await articles.move_article(
            session, principal.workspace_id, article_id, body.parent_folder_id
        )
        return wire.Article.model_validate(article)


@router.get(
    "/v2/hc-articles/{article_id}/versions/public",
    summary="An article's versions, newest first (ext)",
    responses=error_responses(404),
)
async def list_versions(
    article_id: uuid.UUID, principal: ReadPrincipal, db: DatabaseDep
) -> wire.ArticleVersions:
    async with db.read() as session:
        versions = await history.article_versions(session, principal.workspace_id, article_id)
        return wire.ArticleVersions(
            article_id=article_id,
            versions=[wire.ArticleVersion.model_validate(v) for v in versions],
        )


@router.post(
    "/v2/hc-articles/{article_id}/dismiss/public",
    summary="Dismiss a draft or no-op record without publishing it (ext)",
    responses=error_responses(404, 409),
)
async def dismiss_draft(
    article_id: uuid.UUID, principal: WritePrincipal, db: DatabaseDep
) -> wire.Article:
    async with db.write() as session:
        draft = await review.dismiss(session, principal.workspace_id, article_id)
        return wire.Article.model_validate(draft)


@router.get(
    "/v2/hc-articles/{article_id}/diff/public",
    summary="Paragraph changes between two versions, or from the live original (ext)",
    responses=error_responses(400, 404),
)
async def diff_versions(
    article_id: uuid.UUID,
    principal: ReadPrincipal,
    db: DatabaseDep,
    from_version: Annotated[
        str, Query(alias="from", description="A version number, or live for a forked draft")
    ],
    to_version: Annotated[
        int | None, Query(alias="to", ge=1, description="A version; absent: the current one")
    ] = None,
) -> wire.ArticleDiff:
    async with db.read() as session:
        found = await review.diff(
            session, principal.workspace_id, article_id, from_version, to_version
        )
        return wire.ArticleDiff(
            article_id=found.article_id,
            from_=found.from_version,
            to=found.to_version,
            changes=[wire.DiffChange.from_record(c) for c in found.changes],
        )
