"""Path parameters that never take a literal sibling segment for their value.

`/v2/hc-articles/ids/public` (POST) sits beside `/v2/hc-articles/{article_id}/public` (GET,
PUT, DELETE): a PUT to the first must be a 405, not an article id "ids" refused with a 400.
A malformed id stays a 400 that names it, which a `:uuid` convertor would make a 404.
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor


class _SegmentExcept(Convertor[str]):
    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


def segment_except(*literals: str) -> str:
    """The name of a path convertor taking any one segment but *literals*."""
    name = "not_" + "_".join(literals)
    regex = f"(?!(?:{'|'.join(literals)})(?:/|$))[^/]+"
    register_url_convertor(name, type(name, (_SegmentExcept,), {"regex": regex})())
    return name


ARTICLE_ID = segment_except("ids")
DOCUMENT_ID = segment_except("files", "refresh")
