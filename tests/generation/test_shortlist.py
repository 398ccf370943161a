"""The shortlist: every article that may decide a job is on it, with exact lexical scores."""

from __future__ import annotations

import math
import random
import uuid
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from kbsmith.generation.compact import compact, from_compact, hashed
from kbsmith.generation.features import Features, lexical_features
from kbsmith.generation.inputs import Candidate
from kbsmith.generation.shortlist import IndexedArticle, WorkspaceIndex, query

FOLDER = uuid.uuid4()
OTHER_FOLDER = uuid.uuid4()
VOCABULARY = [f"word{n}" for n in range(400)]


def reference_tfidf(a: Counter[str], b: Counter[str], df: Counter[str], total: int) -> float:
    """The textbook formula, term by term, that the index must agree with."""

    def weight(term: str, count: int) -> float:
        return (1 + math.log(count)) * math.log((1 + total) / (1 + df.get(term, 0)) + 1)

    dot = sum(weight(t, a[t]) * weight(t, b[t]) for t in set(a) & set(b))
    norm_a = math.sqrt(sum(weight(t, c) ** 2 for t, c in a.items()))
    norm_b = math.sqrt(sum(weight(t, c) ** 2 for t, c in b.items()))
    return dot / (norm_a * norm_b) if dot else 0.0


def article(
    title: str, text: str, folder: uuid.UUID = FOLDER, vector_seed: int = 0
) -> IndexedArticle:
    features = lexical_features(title, text)
    rng = np.random.default_rng(vector_seed)
    title_vector, body_vector = (unit(rng.normal(size=8)) for _ in range(2))
    candidate = Candidate(uuid.uuid4(), title, text, [], folder, False, None, 1)
    return IndexedArticle(
        candidate, replace(features, title_vector=title_vector, body_vector=body_vector)
    )


def unit(vector: np.ndarray) -> np.ndarray:
    scaled: np.ndarray = (vector / np.linalg.norm(vector)).astype(np.float32)
    return scaled


def filler(rng: random.Random, n: int) -> IndexedArticle:
    words = " ".join(rng.choice(VOCABULARY) for _ in range(60))
    return article(f"Topic {n} {rng.choice(VOCABULARY)}", words, vector_seed=n + 1000)


@pytest.fixture
def crowd() -> tuple[WorkspaceIndex, list[IndexedArticle]]:
    rng = random.Random(7)
    index = WorkspaceIndex()
    articles = [filler(rng, n) for n in range(600)]
    for a in articles:
        index.add(1, a)
    return index, articles


def test_lexical_scores_equal_the_textbook_tfidf_cosine(
    crowd: tuple[WorkspaceIndex, list[IndexedArticle]],
) -> None:
    index, articles = crowd
    new = lexical_features("Topic word3", " ".join(VOCABULARY[:50]) + " unseenword unseenword")
    df: Counter[str] = Counter()
    for a in articles:
        df.update(set(a.features.terms))
    scored = index.shortlist(new, None)
    assert scored, "rare shared words must bring neighbours"
    for item in scored:
        expected = reference_tfidf(new.terms, item.entry.features.terms, df, len(articles))
        assert item.lexical == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_articles_read_compactly_score_as_those_held_whole(
    crowd: tuple[WorkspaceIndex, list[IndexedArticle]],
) -> None:
    """A job's shortlist read from stored features (term keys and counts as arrays) gets the
    same TF-IDF cosines as the articles held whole."""
    index, _ = crowd
    new = lexical_features("Topic word3", " ".join(VOCABULARY[:50]) + " unseenword unseenword")
    held = index.shortlist(new, None)
    stored = [compact(item.entry.features) for item in held]
    read = [
        IndexedArticle(
            item.entry.candidate,
            from_compact(features, None),
            terms=(features.term_keys, features.term_counts),
        )
        for item, features in zip(held, stored, strict=True)
    ]
    scored = index.scored(hashed(new), read)
    assert [s.lexical for s in scored] == pytest.approx([h.lexical for h in held], rel=1e-9)
    assert any(s.lexical > 0 for s in scored)


def test_articles_that_may_decide_are_always_shortlisted(
    crowd: tuple[WorkspaceIndex, list[IndexedArticle]],
) -> None:
    index, _ = crowd
    holder = article("Billing overview", "Intro.\n\nInvoices are sent on the first day.")
    same_title = article("Reset your password", "Completely different words here.")
    subset_title = article("Reset password", "Other text entirely.")
    linked = article("Something unrelated", "Nothing in common at all.")
    for a in (holder, same_title, subset_title, linked):
        index.add(1, a)
    new = lexical_features(
        "Reset your password", "Invoices are sent on the first day.\n\nMore text."
    )
    found = {s.entry.candidate.id for s in index.shortlist(new, linked.candidate.id)}
    assert {holder.candidate.id, same_title.candidate.id, linked.candidate.id} <= found
    assert subset_title.candidate.id in found
    assert len(found) < 150, "the shortlist must stay short"


def test_nearest_vectors_are_shortlisted_and_the_folder_scope_holds(
    crowd: tuple[WorkspaceIndex, list[IndexedArticle]],
) -> None:
    index, articles = crowd
    far = article("Elsewhere", "zzz", folder=OTHER_FOLDER, vector_seed=5)
    index.add(1, far)
    target = articles[123]
    new = Features(
        frozenset(),
        Counter(),
        frozenset(),
        target.features.title_vector,
        target.features.body_vector,
    )
    assert target.candidate.id in {s.entry.candidate.id for s in index.shortlist(new, None)}
    scoped = index.shortlist(new, None, {OTHER_FOLDER})
    assert [s.entry.candidate.id for s in scoped] == [far.candidate.id]


def test_removed_and_replaced_articles_leave_no_trace(
    crowd: tuple[WorkspaceIndex, list[IndexedArticle]],
) -> None:
    index, articles = crowd
    victim = articles[10]
    new = lexical_features(victim.candidate.title, victim.candidate.main_knowledge)
    assert victim.candidate.id in {s.entry.candidate.id for s in index.shortlist(new, None)}
    index.remove(victim.candidate.id)
    assert victim.candidate.id not in {s.entry.candidate.id for s in index.shortlist(new, None)}
    assert len(index) == len(articles) - 1
    index.add(2, victim)
    index.add(3, victim)  # a new version replaces the old one
    assert index.versions()[victim.candidate.id] == 3
    assert len(index) == len(articles)


def test_a_title_without_content_words_still_finds_its_namesakes(
    crowd: tuple[WorkspaceIndex, list[IndexedArticle]],
) -> None:
    index, _ = crowd
    about = article("About", "Who we are.")
    index.add(1, about)
    new = lexical_features("about", "Something else entirely.")
    assert not new.title_terms  # "about" is a stop word
    assert about.candidate.id in {s.entry.candidate.id for s in index.shortlist(new, None)}


def test_words_no_article_holds_do_not_crowd_out_the_rare_shared_ones() -> None:
    index = WorkspaceIndex()
    kept = article("Kept", "zebra giraffe")
    gone = article("Gone", " ".join(f"vanished{n}" for n in range(40)))
    index.add(1, kept)
    index.add(1, gone)
    index.remove(gone.candidate.id)  # its words stay in the vocabulary, held by no article
    new = lexical_features("", " ".join(f"vanished{n}" for n in range(40)) + " zebra")
    assert {s.entry.candidate.id for s in index.shortlist(new, None)} == {kept.candidate.id}


def test_document_frequencies_count_the_articles_that_use_a_term() -> None:
    index = WorkspaceIndex()
    items = [article(f"Article {n}", text) for n, text in enumerate(OTHER_TEXTS)]
    for item in items:
        index.add(1, item)
    index.remove(items[-1].candidate.id)
    terms = index.document_frequencies(["password", "invoic", "unknown"])
    assert terms.documents == 2
    assert dict(terms.frequency) == {"password": 2}
    assert terms.idf("password") < terms.idf("unknown")


OTHER_TEXTS = [
    "Change your password from the account page.",
    "Your password can be changed at any time.",
    "Invoices are sent every month.",
]


def test_a_rebuild_after_removals_keeps_each_vector_with_its_article() -> None:
    index = WorkspaceIndex()
    items = [article(f"Article {n}", f"text{n} words", vector_seed=n) for n in range(5)]
    for item in items:
        index.add(1, item)
    for gone in items[:3]:
        index.remove(gone.candidate.id)
    index.settle()  # most slots are dead: rebuilt, the living renumbered
    for kept in items[3:]:
        new = Features(
            frozenset(),
            Counter(),
            frozenset(),
            kept.features.title_vector,
            kept.features.body_vector,
        )
        found = {s.entry.candidate.id for s in index.shortlist(new, None)}
        assert found == {i.candidate.id for i in items[3:]}
        assert index.versions() == {i.candidate.id: 1 for i in items[3:]}


def test_articles_loaded_in_bulk_are_found_and_counted_as_those_added_one_by_one(
    crowd: tuple[WorkspaceIndex, list[IndexedArticle]],
) -> None:
    one_by_one, articles = crowd
    bulk = WorkspaceIndex()
    bulk.loading(len(articles))
    half = len(articles) // 2
    for part in (articles[:half], articles[half:]):
        bulk.add_many(
            [(1, a.candidate.id, a.candidate.parent_folder_id, compact(a.features)) for a in part]
        )
    bulk.remove(articles[3].candidate.id)  # a slot of a chunk not yet built
    one_by_one.remove(articles[3].candidate.id)
    bulk.settle()
    terms = sorted({t for a in articles[:50] for t in a.features.terms})
    assert bulk.document_frequencies(terms) == one_by_one.document_frequencies(terms)
    for probe in articles[:40:7]:
        new = query(probe.features)
        assert bulk.shortlist_ids(new, None) == one_by_one.shortlist_ids(new, None)


def test_a_few_articles_added_with_stored_features_do_not_rebuild_the_workspace(
    crowd: tuple[WorkspaceIndex, list[IndexedArticle]],
) -> None:
    """Another worker's new article arrives with stored features (`add_many`): a job then
    pays for that article's postings, not for rebuilding every article's."""
    index, articles = crowd
    index.settle()
    reference = WorkspaceIndex()
    for item in articles:
        reference.add(1, item)
    arriving = [article(f"Arrival {n}", f"arrival{n} word1 word2 fresh{n}") for n in range(2)]
    index.add_many(
        [(1, a.candidate.id, a.candidate.parent_folder_id, compact(a.features)) for a in arriving]
    )
    for item in arriving:
        reference.add(1, item)
    assert not index.settle()
    terms = ["arrival0", "fresh1", "word1", "word2", "word3"]
    assert index.document_frequencies(terms) == reference.document_frequencies(terms)
    for probe in [*arriving, *articles[:20:5]]:
        new = query(probe.features)
        assert index.shortlist_ids(new, None) == reference.shortlist_ids(new, None)
