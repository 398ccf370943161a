"""Workspace and API-key use cases. Callers own the transaction."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kbsmith.db.base import utcnow
from kbsmith.db.scoping import in_workspace
from kbsmith.errors import InvalidInput, NotFound
from kbsmith.workspaces import keys
from kbsmith.workspaces.models import ApiKey, Workspace


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"


@dataclass(frozen=True)
class Principal:
    """Who is calling: one key of one workspace."""

    workspace_id: uuid.UUID
    key_id: uuid.UUID
    scopes: frozenset[Scope]


@dataclass(frozen=True)
class CreatedKey:
    key: ApiKey
    secret: str


async def get_or_create_workspace(session: AsyncSession, name: str) -> Workspace:
    workspace = await find_workspace(session, name)
    if workspace is None:
        if not name.strip():
            raise InvalidInput("a workspace needs a name that is not blank")
        workspace = Workspace(name=name)
        session.add(workspace)
        await session.flush()
    return workspace


async def find_workspace(session: AsyncSession, name: str) -> Workspace | None:
    result = await session.execute(select(Workspace).where(Workspace.name == name))
    return result.scalar_one_or_none()


async def require_workspace(session: AsyncSession, name: str) -> Workspace:
    workspace = await find_workspace(session, name)
    if workspace is None:
        raise NotFound(f"workspace {name!r} does not exist")
    return workspace


async def create_key(
    session: AsyncSession, workspace: Workspace, scopes: set[Scope], name: str, secret_key: bytes
) -> CreatedKey:
    new = keys.generate(secret_key)
    key = ApiKey(
        workspace_id=workspace.id,
        name=name,
        key_hash=new.hash,
        display_prefix=new.display_prefix,
        scopes=sorted(scope.value for scope in scopes),
    )
    session.add(key)
    await session.flush()
    return CreatedKey(key=key, secret=new.secret)


async def list_keys(session: AsyncSession, workspace: Workspace) -> list[ApiKey]:
    result = await session.execute(
        select(ApiKey).where(in_workspace(ApiKey, workspace.id)).order_by(ApiKey.created_at)
    )
    return list(result.scalars())


async def revoke_key(session: AsyncSession, key_id: uuid.UUID) -> ApiKey:
    key = await session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"key {key_id} does not exist")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
    return key


MIN_KEY_ID_PREFIX = 8
_HEX_DIGITS = re.compile(r"[0-9a-f]+")


async def find_key_id(session: AsyncSession, given: str) -> uuid.UUID:
    """A key's id from the whole id or a unique prefix of at least 8 characters (as listed)."""
    text = given.strip().removesuffix("…").lower()
    digits = text.replace("-", "")
    if len(digits) == 32 and _HEX_DIGITS.fullmatch(digits):
        return uuid.UUID(digits)
    if len(digits) < MIN_KEY_ID_PREFIX or not _HEX_DIGITS.fullmatch(digits):
        raise InvalidInput(
            f"{given!r} is not a key id, nor its first {MIN_KEY_ID_PREFIX} characters or more"
        )
    matches = await _key_ids_starting_with(session, digits)
    if not matches:
        raise NotFound(f"no key id starts with {given!r}")
    if len(matches) > 1:
        raise InvalidInput(
            f"{given!r} starts several key ids ({', '.join(map(str, matches))}): give more of it"
        )
    return matches[0]


async def _key_ids_starting_with(session: AsyncSession, digits: str) -> list[uuid.UUID]:
    """Ids sort as their hex digits on both dialects: a prefix is a range."""
    low, high = uuid.UUID(digits.ljust(32, "0")), uuid.UUID(digits.ljust(32, "f"))
    query = select(ApiKey.id).where(ApiKey.id.between(low, high)).order_by(ApiKey.id).limit(5)
    return list((await session.execute(query)).scalars())


async def principal_of_key(session: AsyncSession, key_id: uuid.UUID) -> Principal | None:
    """The principal of a key already authenticated once (a console session), or None when
    the key was revoked or deleted since."""
    key = await session.get(ApiKey, key_id)
    return _principal(key)


async def authenticate(session: AsyncSession, secret: str, secret_key: bytes) -> Principal | None:
    """The principal behind a presented key, or None when it is malformed, unknown or revoked."""
    if not keys.is_well_formed(secret):
        return None
    result = await session.execute(
        select(ApiKey).where(ApiKey.key_hash == keys.hash_key(secret, secret_key))
    )
    return _principal(result.scalar_one_or_none())


def _principal(key: ApiKey | None) -> Principal | None:
    if key is None or key.revoked_at is not None:
        return None
    return Principal(
        workspace_id=key.workspace_id,
        key_id=key.id,
        scopes=frozenset(Scope(scope) for scope in key.scopes),
    )
