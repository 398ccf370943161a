"""Markdown -> paragraph units: merging, bounding, normalising, hashing."""

import re
import sys
import unicodedata

from kbsmith.extraction import content_hash, split_markdown
from kbsmith.extraction.paragraphs import MAX_PARAGRAPH_CHARS, SPACE_SEPARATORS


def test_heading_is_merged_into_the_block_that_follows() -> None:
    markdown = (
        "# Install\n\nRun the installer.\n\nThen restart.\n\n## Configure\n## Options\n\nSet it."
    )
    assert split_markdown(markdown) == [
        "# Install\nRun the installer.",
        "Then restart.",
        "## Configure\n## Options\nSet it.",
    ]


def test_empty_headings_and_rules_are_dropped() -> None:
    assert split_markdown("#\n\nText.\n\n---\n\n#hashtag line") == ["Text.", "#hashtag line"]


def test_trailing_heading_stays_a_paragraph() -> None:
    assert split_markdown("Body text.\n\n## See also") == ["Body text.", "## See also"]


def test_setext_headings_become_atx_headings() -> None:
    assert split_markdown("Title\n=====\nIntro.\n\nPart\n----\nMore.") == [
        "# Title\nIntro.",
        "## Part\nMore.",
    ]


def test_a_whole_list_is_one_unit_with_markers_normalised() -> None:
    markdown = "Steps:\n\n* one\n+ two\n  - nested\n\n- loose three\n\nAfter."
    assert split_markdown(markdown) == [
        "Steps:",
        "- one\n- two\n  - nested\n- loose three",
        "After.",
    ]


def test_a_paragraph_right_after_a_list_is_not_swallowed_by_it() -> None:
    assert split_markdown("- a\n- b\nNote: this follows.") == ["- a\n- b", "Note: this follows."]


def test_a_table_is_one_unit_with_a_canonical_separator() -> None:
    markdown = "| Name | Age | \n| --- | :---: |\n| Bob \\| x |  3 |"
    assert split_markdown(markdown) == ["| Name | Age |\n|---|:---:|\n| Bob \\| x | 3 |"]


def test_code_block_keeps_its_indentation() -> None:
    markdown = "```python\ndef f():\n    return  1\n```\nAfter code."
    assert split_markdown(markdown) == ["```\ndef f():\n    return  1\n```", "After code."]


def test_whitespace_and_unicode_are_normalised() -> None:
    markdown = "  Cafe\u0301\u00a0 au   lait\u200b \nsecond   line  \n\n\n"
    assert split_markdown(markdown) == ["Café au lait second line"]


def test_long_paragraph_is_split_at_sentence_boundaries() -> None:
    sentence = "This sentence is about forty characters. "
    paragraph = sentence * 100
    pieces = split_markdown(paragraph)
    assert len(pieces) > 1
    assert all(len(piece) <= MAX_PARAGRAPH_CHARS for piece in pieces)
    assert all(piece.endswith("characters.") for piece in pieces)
    assert " ".join(pieces) == paragraph.strip()


def test_overlong_sentence_is_split_at_word_boundaries() -> None:
    sentence = " ".join(f"word{i}" for i in range(600))
    pieces = split_markdown(sentence, max_chars=500)
    assert all(len(piece) <= 500 for piece in pieces)
    assert " ".join(pieces) == sentence
    assert all(re.fullmatch(r"(word\d+ )*word\d+", piece) for piece in pieces)


def test_long_list_is_split_between_items() -> None:
    items = [f"- item number {i} with some padding text" for i in range(100)]
    pieces = split_markdown("\n".join(items), max_chars=400)
    assert all(len(piece) <= 400 for piece in pieces)
    assert "\n".join(pieces).split("\n") == items


def test_splitting_is_deterministic() -> None:
    markdown = "# T\n\n" + ("Alpha beta gamma. " * 300) + "\n\n- x\n- y"
    assert split_markdown(markdown) == split_markdown(markdown)
    assert split_markdown(markdown) == split_markdown(markdown.replace("\n", "\r\n"))


def test_content_hash_ignores_whitespace_and_emphasis() -> None:
    paragraphs = ["# Title\nSome **bold** text.", "- a\n- b"]
    same = ["#  Title \n Some bold   text.", "- a\n\n- b "]
    assert content_hash(paragraphs) == content_hash(same)
    assert re.fullmatch(r"[0-9a-f]{64}", content_hash(paragraphs))


def test_content_hash_sees_content_and_order() -> None:
    paragraphs = ["First.", "Second."]
    assert content_hash(paragraphs) != content_hash(["First.", "Second!"])
    assert content_hash(paragraphs) != content_hash(["Second.", "First."])
    assert content_hash(paragraphs) != content_hash(["First. Second."])


def test_the_space_separators_are_exactly_unicodes_zs_category() -> None:
    zs = {chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Zs"}
    assert set(SPACE_SEPARATORS) == zs
    assert split_markdown("a\u3000b\u202fc\u2060d\u00ade") == ["a b cde"]
