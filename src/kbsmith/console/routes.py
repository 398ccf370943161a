"""The console's pages and forms at /ui. Each handler calls services inside one
``db.read()``/``db.write()`` and renders a template; a change answers with a redirect."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from kbsmith.answers import service as answers
from kbsmith.api.deps import DatabaseDep, SettingsDep
from kbsmith.api.errors import DOMAIN_STATUS
from kbsmith.console import sessions, views
from kbsmith.console.auth import EditorDep, Refused, ViewerDep, checked_form, same_origin
from kbsmith.db.pagination import Direction
from kbsmith.errors import DomainError
from kbsmith.knowledge import agents, articles, publishing, review, snapshot
from kbsmith.knowledge.content import ArticleContent
from kbsmith.knowledge.review import QueueFilters
from kbsmith.providers import Provider
from kbsmith.sources import service as sources
from kbsmith.workspaces.service import authenticate

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(prefix="/ui", include_in_schema=False)
OPERATIONS = ["ADD_ARTICLE_TO_FOLDER", "UPDATE_ARTICLE", "DO_NOTHING", review.MANUAL]
SOURCE_TYPES = [p.value for p in Provider]


SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
"""Nothing loads from another host, runs inline, or frames a console page."""


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(
        request, name, context, status_code=status, headers=SECURITY_HEADERS
    )


def see(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


@contextmanager
def refused_on_domain_errors() -> Iterator[None]:
    """A service's refusal (unknown id, stale version, bad field) becomes an error page."""
    try:
        yield
    except DomainError as error:
        status = next((code for cls, code in DOMAIN_STATUS.items() if isinstance(error, cls)), 400)
        raise Refused(status, error.message) from error


@router.get("", response_class=HTMLResponse)
async def home(viewer: ViewerDep) -> Response:
    return see("/ui/queue")


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_form(request: Request) -> Response:
    return page(request, "sign_in.html")


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(
    request: Request, db: DatabaseDep, settings: SettingsDep, key: Annotated[str, Form()] = ""
) -> Response:
    if not same_origin(request):
        raise Refused(403, "Sign in from kbsmith's own page.")
    async with db.read() as session:
        principal = await authenticate(session, key.strip(), settings.resolved_secret_key)
    if principal is None:
        return page(request, "sign_in.html", 401, error="This API key is unknown or revoked.")
    response = see("/ui/queue")
    response.set_cookie(
        sessions.COOKIE,
        sessions.issue(principal.key_id, settings.resolved_secret_key),
        max_age=sessions.LIFETIME_SECONDS,
        path="/ui",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/sign-out")
async def sign_out(request: Request, viewer: ViewerDep) -> Response:
    await checked_form(request, viewer)
    response = see("/ui/sign-in")
    response.delete_cookie(sessions.COOKIE, path="/ui")
    return response


@router.get("/queue", response_class=HTMLResponse)
async def queue_page(
    request: Request,
    viewer: ViewerDep,
    db: DatabaseDep,
    operation: str = "",
    folder: Annotated[uuid.UUID | None, Query()] = None,
    source: str = "",
    cursor: Annotated[uuid.UUID | None, Query()] = None,
    direction: Direction = Direction.NEXT,
) -> Response:
    filters = QueueFilters(operation or None, folder, source or None)
    with refused_on_domain_errors():
        async with db.read() as session:
            found = await views.queue(
                session, viewer.principal.workspace_id, filters, cursor, direction
            )
    return page(
        request,
        "queue.html",
        viewer=viewer,
        queue=found,
        filters=filters,
        operations=OPERATIONS,
        source_types=SOURCE_TYPES,
    )


@router.get("/review/{article_id}", response_class=HTMLResponse)
async def packet_page(
    request: Request, article_id: uuid.UUID, viewer: ViewerDep, db: DatabaseDep
) -> Response:
    with refused_on_domain_errors():
        async with db.read() as session:
            found = await views.packet(session, viewer.principal.workspace_id, article_id)
    return page(request, "packet.html", viewer=viewer, packet=found)


def _content(form: dict[str, Any], conflicts: list[dict[str, str]]) -> ArticleContent:
    choices = [str(form.get(f"conflict-{i}", "theirs")) for i in range(len(conflicts))]
    return ArticleContent(
        title=str(form.get("title", "")).strip(),
        main_knowledge=views.apply_choices(str(form.get("main_knowledge", "")), conflicts, choices),
        questions=views.lines(str(form.get("questions", ""))),
        keywords=views.lines(str(form.get("keywords", ""))),
        agent_instruction=str(form.get("agent_instruction", "")),
        escalation=form.get("escalation") == "on",
    )


@router.post("/review/{article_id}/{action}")
async def review_action(
    request: Request, article_id: uuid.UUID, action: str, editor: EditorDep, db: DatabaseDep
) -> Response:
    """save (edit in place), publish (with the edits and conflict choices) or dismiss;
    publish and dismiss go on to the next item of the queue."""
    form = dict(await request.form())
    workspace_id, key_id = editor.principal.workspace_id, editor.principal.key_id
    with refused_on_domain_errors():
        async with db.write() as session:
            found = await views.packet(session, workspace_id, article_id)
            if action == "save":
                version = str(form.get("version", ""))
                await articles.update_article(
                    session,
                    workspace_id,
                    article_id,
                    _content(form, found.conflicts),
                    expected_version=int(version) if version.isdigit() else None,
                    author_key_id=key_id,
                )
                return see(f"/ui/review/{article_id}?saved=1")
            if action == "publish":
                await publishing.publish_draft(
                    session,
                    workspace_id,
                    article_id,
                    _content(form, found.conflicts),
                    author_key_id=key_id,
                )
            elif action == "dismiss":
                await review.dismiss(session, workspace_id, article_id)
            else:
                raise Refused(404, f"no action {action!r}")
    done = "published" if action == "publish" else "dismissed"
    following = f"/ui/review/{found.next_id}" if found.next_id else "/ui/queue"
    return see(f"{following}?done={done}&article={article_id}")


@router.get("/sources", response_class=HTMLResponse)
async def sources_page(
    request: Request,
    viewer: ViewerDep,
    db: DatabaseDep,
    cursor: Annotated[uuid.UUID | None, Query()] = None,
    changed: str = "",
) -> Response:
    filters = sources.SourceFilters(changed={"yes": True, "no": False}.get(changed))
    with refused_on_domain_errors():
        async with db.read() as session:
            found = await sources.list_sources(
                session,
                viewer.principal.workspace_id,
                filters,
                cursor_id=cursor,
                direction=Direction.NEXT,
                limit=50,
            )
    return page(request, "sources.html", viewer=viewer, page=found, changed=changed)


@router.post("/sources/{source_id}/refresh")
async def refresh_source(source_id: uuid.UUID, editor: EditorDep, db: DatabaseDep) -> Response:
    with refused_on_domain_errors():
        async with db.write() as session:
            await sources.refresh(session, editor.principal.workspace_id, [source_id])
    return see("/ui/sources?refreshed=1")


@router.get("/jobs", response_class=HTMLResponse)
async def jobs_page(request: Request, viewer: ViewerDep, db: DatabaseDep) -> Response:
    async with db.read() as session:
        found = await views.jobs(session, viewer.principal.workspace_id)
    return page(request, "jobs.html", viewer=viewer, jobs=found)


@router.get("/knowledge", response_class=HTMLResponse)
async def knowledge_page(request: Request, viewer: ViewerDep, db: DatabaseDep) -> Response:
    workspace_id = viewer.principal.workspace_id
    async with db.read() as session:
        tree = await snapshot.folder_snapshot(session, workspace_id)
        bots = await agents.list_agents(session, workspace_id)
        assigned = await agents.assigned_folder_ids(session, workspace_id, [b.id for b in bots])
    titles = {str(node.id): node.title for node in _walk(tree.tree)}
    bot_folders = {b.id: [titles.get(str(f), "?") for f in assigned[b.id]] for b in bots}
    return page(
        request, "knowledge.html", viewer=viewer, tree=tree.tree, bots=bots, bot_folders=bot_folders
    )


def _walk(nodes: list[snapshot.FolderNode]) -> Iterator[snapshot.FolderNode]:
    for node in nodes:
        yield node
        yield from _walk(node.children)


@router.get("/articles/{article_id}", response_class=HTMLResponse)
async def article_page(
    request: Request,
    article_id: uuid.UUID,
    viewer: ViewerDep,
    db: DatabaseDep,
    from_version: Annotated[int | None, Query(alias="from", ge=1)] = None,
    to_version: Annotated[int | None, Query(alias="to", ge=1)] = None,
) -> Response:
    with refused_on_domain_errors():
        async with db.read() as session:
            found = await views.article_history(
                session, viewer.principal.workspace_id, article_id, from_version, to_version
            )
    return page(request, "article.html", viewer=viewer, history=found)


@router.get("/ask", response_class=HTMLResponse)
async def ask_page(request: Request, viewer: ViewerDep) -> Response:
    return page(request, "ask.html", viewer=viewer, answer=None, question="")


@router.post("/ask", response_class=HTMLResponse)
async def ask(
    request: Request, viewer: ViewerDep, db: DatabaseDep, settings: SettingsDep
) -> Response:
    form = await checked_form(request, viewer)
    question = str(form.get("question", "")).strip()
    if not question:
        return page(request, "ask.html", 400, viewer=viewer, answer=None, question="")
    with refused_on_domain_errors():
        answer = await answers.ask_and_record(
            db,
            viewer.principal.workspace_id,
            answers.Question(question),
            key_id=viewer.principal.key_id,
            floor=settings.answer_floor,
        )
    return page(request, "ask.html", viewer=viewer, answer=answer, question=question)
