"""Confluence storage format (XHTML with ac:/ri: elements) -> plain HTML for the web extractor.

Confluence renders a page as ordinary HTML, so converting the storage format to the HTML a
reader would see keeps one set of paragraph rules: a page moved from Confluence to the web
yields the same paragraphs. Macros that carry text (code, panels, expand) become their text;
every other macro (table of contents, Jira issues, children lists...) is dropped.
"""

from __future__ import annotations

import html.entities
import re

from lxml import etree  # type: ignore[import-untyped]

AC = "http://atlassian.com/content"
RI = "http://atlassian.com/resource/identifier"
AT = "http://atlassian.com/template"
_PREFIXES = {AC: "ac", RI: "ri", AT: "at"}
_WRAPPER_OPEN = f'<storage xmlns:ac="{AC}" xmlns:ri="{RI}" xmlns:at="{AT}">'

CODE_MACROS = frozenset({"code", "noformat"})
BODY_MACROS = frozenset(
    {"info", "note", "warning", "tip", "panel", "expand", "excerpt", "section", "column"}
)
"""Macros whose rich-text body is page content (their title, if any, leads it)."""

BLOCK_ELEMENTS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "div", "blockquote", "pre", "hr")
LIST_ELEMENTS = ("ul", "ol", "li", "dl", "dt", "dd")
TABLE_ELEMENTS = ("table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td")
INLINE_ELEMENTS = ("a", "b", "strong", "i", "em", "u", "s", "del", "ins", "code", "span", "br")
HTML_ELEMENTS = frozenset(
    (*BLOCK_ELEMENTS, *LIST_ELEMENTS, *TABLE_ELEMENTS, *INLINE_ELEMENTS, "sub", "sup", "small")
)
DROPPED_ELEMENTS = frozenset({"img", "col", "colgroup", "script", "style"})
TRANSPARENT_AC = frozenset(
    {
        "ac:layout",
        "ac:layout-section",
        "ac:layout-cell",
        "ac:rich-text-body",
        "ac:inline-comment-marker",
        "ac:task-body",
        "ac:link-body",
    }
)
_NAMED_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})


def storage_to_html(storage: str, title: str) -> str:
    """A complete HTML document whose <article> holds the page body."""
    article = etree.Element("article")
    _copy_children(_parse(storage), article)
    page = etree.Element("html")
    head = etree.SubElement(page, "head")
    etree.SubElement(head, "meta", charset="utf-8")
    etree.SubElement(head, "title").text = title
    etree.SubElement(page, "body").append(article)
    return "<!doctype html>\n" + str(etree.tostring(page, method="html", encoding="unicode"))


def has_text(document: str) -> bool:
    """Whether an HTML document from `storage_to_html` has any visible text in its body."""
    parsed = etree.fromstring(document.split("\n", 1)[1], etree.HTMLParser())
    return any(text.strip() for text in parsed.xpath("//article//text()"))


def _parse(storage: str) -> etree._Element:
    """Parse a fragment: namespaces declared, HTML entities made XML, nothing fetched."""
    parser = etree.XMLParser(
        recover=True, resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    source = f"{_WRAPPER_OPEN}{_NAMED_ENTITY.sub(_entity, storage)}</storage>"
    root = etree.fromstring(source.encode("utf-8"), parser)
    return root if root is not None else etree.Element("storage")


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in _XML_ENTITIES:
        return match.group(0)
    char = html.entities.html5.get(f"{name};")
    if char is None:
        return f"&amp;{name};"
    return char.replace("&", "&amp;").replace("<", "&lt;")


def _name(element: etree._Element) -> str:
    """`p`, `ac:structured-macro`, `ri:page`...; "" for comments and processing instructions."""
    if not isinstance(element.tag, str):
        return ""
    qualified = etree.QName(element)
    prefix = _PREFIXES.get(qualified.namespace or "")
    return f"{prefix}:{qualified.localname}" if prefix else qualified.localname.lower()


def _attribute(element: etree._Element, namespace: str, name: str) -> str:
    return element.get(f"{{{namespace}}}{name}") or ""


def _append_text(target: etree._Element, text: str | None) -> None:
    if not text:
        return
    if len(target):
        target[-1].tail = (target[-1].tail or "") + text
    else:
        target.text = (target.text or "") + text


def _copy_children(source: etree._Element, target: etree._Element) -> None:
    _append_text(target, source.text)
    for child in source:
        _convert(child, target)
        _append_text(target, child.tail)


def _convert(element: etree._Element, target: etree._Element) -> None:
    name = _name(element)
    if name in HTML_ELEMENTS:
        _copy_children(element, etree.SubElement(target, name))
    elif name in ("ac:structured-macro", "ac:macro"):
        _macro(element, target)
    elif name in TRANSPARENT_AC:
        _copy_children(element, target)
    elif name == "ac:link":
        _append_text(target, _link_text(element))
    elif name == "ac:task-list":
        _task_list(element, target)
    elif name == "ac:adf-extension":
        fallback = element.find(f"{{{AC}}}adf-fallback")
        if fallback is not None:
            _copy_children(fallback, target)
    elif name == "time":
        _append_text(target, element.get("datetime"))
    elif name and ":" not in name and name not in DROPPED_ELEMENTS:
        _copy_children(element, target)  # unknown HTML (font, center...): keep its text


def _macro(element: etree._Element, target: etree._Element) -> None:
    name = _attribute(element, AC, "name")
    if name in CODE_MACROS:
        body = element.find(f"{{{AC}}}plain-text-body")
        code = etree.SubElement(etree.SubElement(target, "pre"), "code")
        code.text = (body.text or "") if body is not None else ""
    elif name in BODY_MACROS:
        panel = etree.SubElement(target, "div")
        title = _parameter(element, "title")
        if title:
            etree.SubElement(etree.SubElement(panel, "p"), "strong").text = title
        body = element.find(f"{{{AC}}}rich-text-body")
        if body is not None:
            _copy_children(body, panel)


def _parameter(macro: etree._Element, name: str) -> str:
    for parameter in macro.findall(f"{{{AC}}}parameter"):
        if _attribute(parameter, AC, "name") == name:
            return (parameter.text or "").strip()
    return ""


def _link_text(link: etree._Element) -> str:
    """The link's own text, else the title or name of what it points to."""
    for body_name in ("plain-text-link-body", "link-body"):
        body = link.find(f"{{{AC}}}{body_name}")
        if body is not None:
            return "".join(body.itertext())
    for resource in link:
        label = (
            _attribute(resource, RI, "content-title")
            or _attribute(resource, RI, "filename")
            or _attribute(resource, RI, "value")
        )
        if label:
            return label
    return ""


def _task_list(element: etree._Element, target: etree._Element) -> None:
    items = etree.SubElement(target, "ul")
    for task in element.findall(f"{{{AC}}}task"):
        body = task.find(f"{{{AC}}}task-body")
        if body is not None:
            _copy_children(body, etree.SubElement(items, "li"))
