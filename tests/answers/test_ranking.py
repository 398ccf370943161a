"""What ranks an article for a question: terms, their weights, BM25 and the shares held."""

from __future__ import annotations

from collections import Counter

import pytest

from kbsmith.answers.ranking import (
    COMMON_TERM_PASSAGES,
    TITLE_TERMS,
    AnswerModel,
    article_fields,
    bm25,
    question_terms,
    signals,
    term_weight,
    term_weights,
    title_match,
    weighed,
    weighted_share,
)


@pytest.mark.parametrize(
    ("question", "terms"),
    [
        (
            "How long does the virus live on surfaces?",
            ["how", "long", "doe", "viru", "live", "surfac"],
        ),
        ("What is COVID-19?", ["what", "covid", "19"]),
        ("the the THE virus virus", ["viru"]),  # fillers out, each term once
        ("a of is", []),
        ("", []),
    ],
)
def test_question_terms_keep_question_words_and_drop_fillers(
    question: str, terms: list[str]
) -> None:
    assert question_terms(question) == terms


@pytest.mark.parametrize(
    ("rarer", "commoner"),
    [(0, 1), (1, 10), (10, 100), (100, COMMON_TERM_PASSAGES - 1)],
)
def test_a_rarer_term_weighs_more(rarer: int, commoner: int) -> None:
    assert term_weight(rarer) > term_weight(commoner) > 0


@pytest.mark.parametrize("passages", [COMMON_TERM_PASSAGES, COMMON_TERM_PASSAGES * 3])
def test_a_term_as_common_as_the_bound_weighs_nothing(passages: int) -> None:
    assert term_weight(passages) == 0.0


@pytest.mark.parametrize(
    ("terms", "counted", "function_word_weight", "weights"),
    [
        (["how", "viru"], {"viru": 2.5}, 3.0, {"how": 3.0, "viru": 2.5}),
        (["what", "can", "my"], {}, 1.5, {"what": 1.5, "can": 1.5, "my": 1.5}),
        (["viru", "uncounted"], {"viru": 2.5}, 3.0, {"viru": 2.5, "uncounted": 0.0}),
        (["how"], {"how": 9.0}, 0.0, {"how": 0.0}),  # a function word is never counted
    ],
)
def test_function_words_weigh_the_fitted_constant_others_their_rarity(
    terms: list[str],
    counted: dict[str, float],
    function_word_weight: float,
    weights: dict[str, float],
) -> None:
    assert term_weights(terms, counted, function_word_weight) == weights


@pytest.mark.parametrize(
    ("weights", "held", "share"),
    [
        ({"quarantine": 3.0, "long": 1.0}, {"quarantine"}, 0.75),
        ({"quarantine": 3.0, "long": 1.0}, {"long"}, 0.25),
        ({"quarantine": 3.0, "long": 1.0}, {"quarantine", "long", "other"}, 1.0),
        ({"quarantine": 3.0}, set(), 0.0),
        ({"long": 0.0}, {"long"}, 0.0),  # only terms that weigh nothing
        ({}, {"long"}, 0.0),
    ],
)
def test_the_weighted_share_of_terms_held(
    weights: dict[str, float], held: set[str], share: float
) -> None:
    assert weighted_share(weights, held) == pytest.approx(share)


@pytest.mark.parametrize(
    ("better", "worse"),
    [
        # the rarer term matched scores more
        (Counter(["quarantine", "how"]), Counter(["long", "how"])),
        # a second occurrence adds less than a second term
        (Counter(["quarantine", "long"]), Counter(["quarantine", "quarantine"])),
        # the same terms in a shorter field score more
        (Counter(["quarantine"]), Counter(["quarantine", *[f"w{i}" for i in range(30)]])),
    ],
)
def test_bm25_prefers_rare_terms_distinct_terms_and_short_fields(
    better: Counter[str], worse: Counter[str]
) -> None:
    weights = {"quarantine": 4.0, "long": 1.0, "how": 1.0}
    assert bm25(weights, better, TITLE_TERMS) > bm25(weights, worse, TITLE_TERMS)


def test_bm25_of_nothing_held_is_zero() -> None:
    assert bm25({"viru": 3.0}, Counter(["other"]), TITLE_TERMS) == 0.0


TITLE = ("title", "How long should I quarantine?")
BODY = ("body", "Stay at home for 14 days after your last contact.")


@pytest.mark.parametrize(
    ("question", "passages", "title_coverage", "coverage", "title_precision"),
    [
        ("How long should I quarantine?", [TITLE, BODY], 1.0, 1.0, 1.0),
        ("How many days at home?", [TITLE, BODY], 0.25, 0.75, 0.0),
        ("quarantine", [TITLE, BODY], 1.0, 1.0, 0.5),  # half of "long", "quarantine"
        ("quarantine", [BODY], 0.0, 0.0, 0.0),  # no title: nothing of it to use
    ],
)
def test_signals_describe_the_title_and_the_whole_article(
    question: str,
    passages: list[tuple[str, str]],
    title_coverage: float,
    coverage: float,
    title_precision: float,
) -> None:
    terms = question_terms(question)
    asked = weighed(question, dict.fromkeys(terms, 1.0), 1.0)  # every term weighs alike
    found = signals(
        asked,
        article_fields(passages),
        title_similarity=0.8,
        body_similarity=0.4,
    )
    assert found.title_similarity == 0.8
    assert found.body_similarity == 0.4
    assert found.title_coverage == pytest.approx(title_coverage)
    assert found.coverage == pytest.approx(coverage)
    assert found.title_precision == pytest.approx(title_precision)
    assert 0.0 <= found.title_bm25_share <= 1.0
    assert (found.title_bm25 > 0) is (title_coverage > 0)
    assert found.question_terms == len(terms)
    assert found.question_weight == pytest.approx(len(terms))


@pytest.mark.parametrize(
    ("counted", "unseen_share"),
    [
        (
            {"dog": term_weight(0), "covid": term_weight(3)},
            term_weight(0) / (term_weight(0) + term_weight(3)),
        ),
        ({"dog": term_weight(1), "covid": term_weight(3)}, 0.0),  # one passage holds "dog"
        ({"dog": term_weight(0), "covid": term_weight(0)}, 1.0),
        ({}, 0.0),  # nothing counted: every term weighs nothing
    ],
)
def test_the_unseen_share_is_the_weight_of_content_words_no_passage_holds(
    counted: dict[str, float], unseen_share: float
) -> None:
    """ "Can" and "my" are function words: they weigh the constant and are never unseen."""
    asked = weighed(
        "Can my dog catch covid?", counted | {"catch": term_weight(COMMON_TERM_PASSAGES)}, 4.0
    )
    assert asked.unseen_share == pytest.approx(unseen_share)
    found = signals(
        asked,
        article_fields([("title", "COVID and pets")]),
        title_similarity=0.5,
        body_similarity=0.5,
    )
    assert found.unseen_share == pytest.approx(unseen_share)


RARITY = {"quarantine": 4.0, "home": 2.0, "long": 1.0, "day": 3.0, "many": 0.5}
"""Counted weights of the content terms (function words weigh the constant given)."""


@pytest.mark.parametrize(
    ("question", "passages", "held", "missing", "content_coverage", "from_article"),
    [
        # every content word in the title ("how" and "should" are function words)
        ("How long should I quarantine?", [TITLE, BODY], {"long", "quarantine"}, {}, 1.0, 0.0),
        # "home" is only in the body: lacking from the title, not from the article
        (
            "quarantine at home for how long",
            [TITLE, BODY],
            {"quarantine", "long"},
            {"home": 2.0},
            5.0 / 7.0,
            0.0,
        ),
        # "many" is nowhere: the rarest the article lacks
        (
            "How many days at home?",
            [TITLE, BODY],
            set(),
            {"many": 0.5, "day": 3.0, "home": 2.0},
            0.0,
            0.5,
        ),
        ("quarantine", [BODY], set(), {"quarantine": 4.0}, 0.0, 4.0),
    ],
)
def test_the_title_match_names_what_of_the_question_the_title_lacks(
    question: str,
    passages: list[tuple[str, str]],
    held: set[str],
    missing: dict[str, float],
    content_coverage: float,
    from_article: float,
) -> None:
    asked = weighed(question, RARITY, 9.0)
    fields = article_fields(passages)
    match = title_match(asked, fields)
    assert match.held == held
    assert match.missing == missing
    assert match.weight == pytest.approx(sum(RARITY[t] for t in held | set(missing)))
    found = signals(asked, fields, title_similarity=0.5, body_similarity=0.5)
    assert found.content_title_coverage == pytest.approx(content_coverage)
    assert found.missing_from_title == max(missing.values(), default=0.0)
    assert found.missing_from_article == from_article


def test_the_question_asked_as_the_title_has_the_whole_title_bm25_share() -> None:
    question = "How long should I quarantine?"
    asked = weighed(question, {"long": 2.0, "quarantine": 5.0}, 1.0)
    found = signals(asked, article_fields([TITLE]), title_similarity=1.0, body_similarity=0.0)
    assert found.title_bm25_share == pytest.approx(1.0)


@pytest.mark.parametrize(
    "data",
    [
        {
            "function_word_weight": 1,
            "score_weights": {"nonsense": 1},
            "confidence_weights": {},
            "floor": 0,
        },
        {"function_word_weight": "x", "score_weights": {}, "confidence_weights": {}, "floor": 0},
        {"function_word_weight": 1, "score_weights": [], "confidence_weights": {}, "floor": 0},
    ],
)
def test_a_model_file_of_other_signals_is_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        AnswerModel.from_json(data)
