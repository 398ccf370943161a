"""Sitemap (sitemaps.org) parsing, refusing DTDs and entities (XXE, billion laughs)."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from typing import Literal

import defusedxml
import defusedxml.ElementTree as SafeElementTree

from kbsmith.fetching.decoding import GZIP_MAGIC, gunzip_bounded
from kbsmith.fetching.errors import FetchError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sitemap:
    kind: Literal["index", "urlset"]
    locations: list[str]
    """Child sitemaps for an index, page URLs for a urlset, in document order."""


def parse_sitemap(body: bytes, *, max_bytes: int, source: str = "sitemap") -> Sitemap | None:
    """Parse a (possibly gzipped) sitemap; None if it is not a usable, safe sitemap."""
    try:
        xml = gunzip_bounded(body, max_bytes) if body.startswith(GZIP_MAGIC) else body
        root = SafeElementTree.fromstring(
            xml, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except (FetchError, defusedxml.DefusedXmlException, ElementTree.ParseError) as exc:
        logger.warning("ignoring %s: %s", source, exc)
        return None
    kind = _local_name(root.tag)
    if kind == "sitemapindex":
        return Sitemap("index", _locations(root, "sitemap"))
    if kind == "urlset":
        return Sitemap("urlset", _locations(root, "url"))
    logger.warning("ignoring %s: root element <%s> is not a sitemap", source, kind)
    return None


def _locations(root: ElementTree.Element, entry_name: str) -> list[str]:
    locations: list[str] = []
    for entry in root:
        if _local_name(entry.tag) != entry_name:
            continue
        for child in entry:
            if _local_name(child.tag) == "loc" and child.text and child.text.strip():
                locations.append(child.text.strip())
                break
    return locations


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
