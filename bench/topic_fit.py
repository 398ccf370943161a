"""Fits the same-topic model of ``generation/topic.py`` and prints how it decides.

    .venv/bin/python bench/topic_fit.py [--data DIR] [--write]

The cases are those of ``bench/decisions.py`` (``_decision_sets.py``). Each case's content is
turned into features and shortlisted by the same code a generation job runs
(``features.embed_features``, ``shortlist.WorkspaceIndex``, ``retrieval.score_candidates``);
every (content, shortlisted article) pair is one example, labelled by whether the article is
the right one. A logistic regression is fitted on the fit cases only (CovidFAQ's fit half,
Banking77 ``train``); its threshold is the least probability that keeps false merges of the fit
``neighbour`` cases at or under ``--false-merges`` (default 0), raised by the out-of-fold
margin: the furthest a neighbouring intent goes past the threshold when its fold of topics is
scored by a model fitted on the other folds (a threshold at the fit's own extreme lets about
one unseen neighbour in a thousand through). The clear match's lead is found, and raised, the
same way. ``absent`` cases are not used:
CovidFAQ has entries on one topic with two answers ("What is corona virus?", "What is a
coronavirus?"), so with one deleted, a merge into the other may well be right. The decision
figures are then printed for the fit and the held-out cases, by the production
``decision.covering_article``. An article's question margin is measured against the best other
article or, when none is closer, the "rival floor": the question similarity 95% of wrong
articles stay under in the fit cases (so a workspace of one article is no clear match).
``--write`` stores the fitted numbers in ``generation/data/topic_model.json``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import time
import uuid
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from _decision_sets import Case, DecisionSet, load_sets
from _faq import DEFAULT_DATA
from kbsmith.extraction.paragraphs import split_markdown
from kbsmith.generation.decision import Thresholds, covering_article
from kbsmith.generation.embeddings import load_embedder
from kbsmith.generation.features import CachedEmbedder, Features, embed_features
from kbsmith.generation.gathering import text_title
from kbsmith.generation.inputs import Candidate, GenerationInput, ScoredCandidate
from kbsmith.generation.operations import Operation
from kbsmith.generation.retrieval import score_candidates, top
from kbsmith.generation.shortlist import IndexedArticle, Shortlisted, WorkspaceIndex
from kbsmith.generation.topic import MODEL_PATH, SIGNALS, ClearMatch, TopicModel, log_odds

FOLDER = uuid.UUID(int=1)
VECTORS = Path(__file__).resolve().parents[1] / ".cache" / "topic_fit_vectors.npz"
L2 = 1e-3
NEUTRAL = tuple(0.0 for _ in SIGNALS)
FITTED_SIGNALS = ("question_similarity", "body_similarity", "containment", "coverage", "lexical")
"""The signals the shipped model weighs: the title overlap and the question margin add no
held-out gain (``docs/design.md``), so they are fitted only when asked for."""
RIVAL_PERCENTILE = 95
"""The rival floor: the question similarity 95% of wrong articles stay under."""
CLEAR_LEAST = 0.95
"""The least probability of a clear match (``topic.ClearMatch``): its lead alone decides no
content the model finds unlikely."""
FOLDS = 5
"""Folds of the fit cases' topics for the out-of-fold margins."""
REPEATS = 5
"""Ways of dealing the topics into folds. The margins measure the tail of unseen neighbours,
which one dealing measures by chance: its largest excess ranged over 0.02 to 0.89 log-odds in 8
dealings, and the target for neighbouring intents is no false merge at all, so the largest
of all dealings is taken."""


@dataclass
class Scored:
    case: Case
    shortlist: list[Shortlisted]
    new: Features
    ids: dict[uuid.UUID, str]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--false-merges", type=float, default=0.0)
    parser.add_argument("--write", action="store_true")
    parser.add_argument(
        "--signals",
        type=lambda v: v.split(","),
        default=list(FITTED_SIGNALS),
        help=f"used ones, a,b,c (default: the shipped {','.join(FITTED_SIGNALS)}; all: "
        f"{','.join(SIGNALS)})",
    )
    parser.add_argument("--vectors", type=Path, default=VECTORS, help="embedding cache")
    args = parser.parse_args()
    embedder = load_embedder()
    cached = CachedEmbedder(embedder, capacity=1_000_000) if embedder else None
    if cached is not None:
        recall(cached, args.vectors)
    sets = load_sets(args.data)
    started = time.monotonic()
    scored = shortlisted(sets, cached)
    print(f"{len(scored)} cases embedded and shortlisted in {time.monotonic() - started:.0f} s")
    if cached is not None:
        keep(cached, args.vectors)
    fit_cases = [s for s in scored if s.case.fit]
    without_margins = fit_model(fit_cases, args.signals, args.false_merges)
    print(f"fitted on {len(fit_cases)} cases in {time.monotonic() - started:.0f} s")
    margin, lead_margin = out_of_fold_margins(fit_cases, args.signals, args.false_merges)
    print(f"out of fold: threshold margin {margin:.3f}, lead margin {lead_margin:.3f} (log-odds)")
    without_clear = raised(without_margins, margin)
    model = with_clear_match(without_clear, fit_cases, lead_margin)
    threshold, floor = model.threshold, model.rival_floor
    print(
        "signals   ", " ".join(f"{n}={w:+.2f}" for n, w in zip(SIGNALS, model.weights, strict=True))
    )
    print(f"bias {model.bias:+.2f}  threshold {threshold:.9f}  rival floor {floor:.3f}")
    print(f"clear match {model.clear_match}")
    for fit in (True, False):
        views = (
            ("", model),
            (", without the clear match", without_clear),
            (", without the margins", with_clear_match(without_margins, fit_cases, 0.0)),
        )
        for label, shown in views:
            print(f"\n== {'fit' if fit else 'held-out'} cases{label}")
            report([s for s in scored if s.case.fit is fit], shown)
    if args.write:
        MODEL_PATH.write_text(
            json.dumps(
                {
                    "signals": list(SIGNALS),
                    "weights": [round(w, 4) for w in model.weights],
                    "bias": round(model.bias, 4),
                    # rounded up: the fit's worst neighbouring intent stays under it
                    "threshold": math.ceil(threshold * 1e6) / 1e6,
                    "rival_floor": round(floor, 4),
                    "clear_match": clear_json(model.clear_match),
                    "fitted_by": "bench/topic_fit.py",
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
        print(f"\nwrote {MODEL_PATH}")


def recall(embedder: CachedEmbedder, path: Path) -> None:
    """Vectors of an earlier run (the same model): embedding is most of this script's time."""
    if path.exists():
        with np.load(path, allow_pickle=False) as stored:
            if str(stored["model"]) == embedder.model_id:
                for text, vector in zip(stored["texts"], stored["vectors"], strict=True):
                    embedder.remember(str(text), vector)


def keep(embedder: CachedEmbedder, path: Path) -> None:
    known = embedder.known()
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        path,
        model=np.array(embedder.model_id),
        texts=np.array([t for t, _ in known]),
        vectors=np.stack([v for _, v in known]),
    )


def shortlisted(sets: list[DecisionSet], embedder: CachedEmbedder | None) -> list[Scored]:
    """Every case shortlisted as a job would be: against the articles of every set in one
    workspace, as ``bench/decisions.py`` makes them (each set's words count in the others'
    term weights), but for an absent case's article, which is not in the index at all (its
    words do not count as the workspace's either, as when it is deleted)."""
    all_articles = [a for decision_set in sets for a in decision_set.articles]
    all_cases = [c for decision_set in sets for c in decision_set.cases]
    assert len({a.key for a in all_articles}) == len(all_articles), "one key, one article"
    items = [(a.title, a.body, list(a.questions)) for a in all_articles]
    index, ids, indexed = WorkspaceIndex(), {}, {}
    for article, features in zip(all_articles, embed_features(embedder, items), strict=True):
        candidate = Candidate(
            uuid.uuid4(),
            article.title,
            article.body,
            list(article.questions),
            FOLDER,
            False,
            None,
            1,
        )
        ids[candidate.id] = article.key
        indexed[article.key] = IndexedArticle(candidate, features)
        index.add(1, indexed[article.key])
    contents = []
    for case in all_cases:
        paragraphs = split_markdown(case.text)
        contents.append((text_title(paragraphs), "\n\n".join(paragraphs), ()))
    news = embed_features(embedder, contents)
    by_absent: dict[str | None, list[int]] = defaultdict(list)
    for i, case in enumerate(all_cases):
        by_absent[case.absent].append(i)
    shortlists: dict[int, list[Shortlisted]] = {}
    for absent, group in by_absent.items():
        if absent is not None:
            index.remove(indexed[absent].candidate.id)
            index.settle()
        for i in group:
            shortlists[i] = index.shortlist(news[i], None)
        if absent is not None:
            index.add(1, indexed[absent])
            index.settle()
    return [Scored(case, shortlists[i], news[i], ids) for i, case in enumerate(all_cases)]


def candidates(scored: Scored, model: TopicModel) -> list[ScoredCandidate]:
    absent = scored.case.absent
    shortlist = [s for s in scored.shortlist if scored.ids[s.entry.candidate.id] != absent]
    return score_candidates(scored.new, shortlist, None, None, model)


def examples(
    scored: list[Scored], neutral: TopicModel
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (content, shortlisted article) pair's signals and whether the article is right
    (*neutral*: a model whose weights do not matter, only its rival floor)."""
    rows, labels = [], []
    for item in scored:
        if item.case.absent is not None:
            continue  # its pairs are those of its present twin
        for candidate in candidates(item, neutral):
            rows.append(candidate.signals)
            labels.append(float(item.ids[candidate.candidate.id] == item.case.right))
    y = np.array(labels)
    positives = max(1.0, y.sum())
    weight = np.where(y == 1, 1.0 / positives, 1.0 / max(1.0, len(y) - positives))
    return np.array(rows), y, weight * len(y)


def fit_logistic(x: np.ndarray, y: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, float]:
    """Weighted, L2-regularised logistic regression by Newton's method."""
    design = np.hstack([x, np.ones((len(x), 1))])
    beta = np.zeros(design.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(design @ beta, -60, 60)))
        gradient = design.T @ (weight * (p - y)) + L2 * np.r_[beta[:-1], 0]
        hessian = (design * (weight * p * (1 - p))[:, None]).T @ design + L2 * np.eye(len(beta))
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta[:-1], float(beta[-1])


def fit_model(cases: list[Scored], signals: list[str], false_merges: float) -> TopicModel:
    """The logistic model of ``cases`` and its threshold (no clear match, no margin)."""
    x, y, _ = examples(cases, TopicModel(NEUTRAL, 0.0, 0.5))
    floor = float(np.percentile(x[y == 0, 0], RIVAL_PERCENTILE))
    x, y, weight = examples(cases, TopicModel(NEUTRAL, 0.0, 0.5, floor))
    x[:, [i for i, name in enumerate(SIGNALS) if name not in signals]] = 0.0
    weights, bias = fit_logistic(x, y, weight)
    model = TopicModel(tuple(float(w) for w in weights), float(bias), 0.5, floor)
    return TopicModel(model.weights, model.bias, pick_threshold(model, cases, false_merges), floor)


def pick_threshold(model: TopicModel, scored: list[Scored], false_merges: float) -> float:
    worst = sorted(best_wrong(s, model) for s in scored if s.case.kind == "neighbour")
    allowed = int(false_merges * len(worst))
    return min(1 - 1e-9, max(0.5, worst[len(worst) - allowed - 1] + 1e-9)) if worst else 0.5


def best_wrong(scored: Scored, model: TopicModel) -> float:
    """The same-topic probability of a neighbouring intent's best (wrong) article."""
    return max((c.same_topic for c in candidates(scored, model)), default=0.0)


def out_of_fold_margins(
    scored: list[Scored], signals: list[str], false_merges: float
) -> tuple[float, float]:
    """How far (in log-odds) neighbouring intents the model never saw go past the threshold,
    and then past the clear match's lead under the threshold so raised, fitted without them:
    each fold of intents and entries is scored by a model fitted on the others, for each of
    REPEATS dealings into folds; the largest excess of each, at least 0."""
    folds = []
    for repeat, fold in itertools.product(range(REPEATS), range(FOLDS)):
        inside = [s for s in scored if fold_of(s, repeat) != fold]
        unseen = [s for s in scored if fold_of(s, repeat) == fold and s.case.kind == "neighbour"]
        folds.append((fit_model(inside, signals, false_merges), inside, unseen))
    margin = max(
        [0.0]
        + [
            log_odds(best_wrong(s, model)) - log_odds(model.threshold)
            for model, _, unseen in folds
            for s in unseen
        ]
    )
    lead_excess = [0.0]
    for model, inside, unseen in folds:
        shipped_like = raised(model, margin)
        lead = clear_lead(shipped_like, inside)
        leads = (neighbour_lead(s, shipped_like) for s in unseen)
        lead_excess += [found - lead for found in leads if found is not None]
    return margin, max(lead_excess)


def fold_of(scored: Scored, repeat: int) -> int:
    """The fold of a case in one dealing: that of its intent or entry, so a fold's topics are
    all unseen."""
    return zlib.crc32(f"{repeat}:{scored.case.right or scored.case.absent}".encode()) % FOLDS


def raised(model: TopicModel, margin: float) -> TopicModel:
    """``model`` with its threshold ``margin`` log-odds higher."""
    threshold = 1 / (1 + math.exp(-(log_odds(model.threshold) + margin)))
    return TopicModel(model.weights, model.bias, threshold, model.rival_floor)


def with_clear_match(model: TopicModel, scored: list[Scored], margin: float) -> TopicModel:
    rule = ClearMatch(CLEAR_LEAST, round(clear_lead(model, scored) + margin, 4))
    return TopicModel(model.weights, model.bias, model.threshold, model.rival_floor, rule)


def clear_lead(model: TopicModel, scored: list[Scored]) -> float:
    """The largest lead of a neighbouring intent's best (wrong) article at CLEAR_LEAST or more
    but under the threshold: the clear match needs more."""
    leads = [neighbour_lead(s, model) for s in scored if s.case.kind == "neighbour"]
    return max([0.0, *(lead for lead in leads if lead is not None)])


def neighbour_lead(scored: Scored, model: TopicModel) -> float | None:
    shown = sorted(c.same_topic for c in top(candidates(scored, model)))
    if not shown or shown[-1] >= model.threshold:
        return None  # none shortlisted, or the threshold decides
    return ClearMatch(CLEAR_LEAST, 0.0).lead_of(shown[-1], shown[:-1])


def clear_json(rule: ClearMatch | None) -> dict[str, float] | None:
    return None if rule is None else {"least": rule.least, "lead": rule.lead, "rivals": rule.rivals}


def decided(scored: Scored, model: TopicModel) -> str:
    """'right', 'add' or 'false merge' by the production rule (on the candidates a job keeps)."""
    found = top(candidates(scored, model))
    inp = GenerationInput(
        "", [], frozenset(Operation), found, [], unchanged_since_last_generation=False
    )
    thresholds = Thresholds(same_topic=model.threshold, clear_match=model.clear_match)
    target = covering_article(inp, thresholds)
    if target is None:
        return "add" if scored.case.right is not None else "right"
    return "right" if scored.ids[target.candidate.id] == scored.case.right else "false merge"


def report(scored: list[Scored], model: TopicModel) -> None:
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    for item in scored:
        by_kind[item.case.kind][decided(item, model)] += 1
    for kind, counts in sorted(by_kind.items()):
        total = sum(counts.values())
        shares = "  ".join(f"{k} {counts[k] / total:.3f}" for k in ("right", "add", "false merge"))
        print(f"{kind:10} n={total:5}  {shares}")


if __name__ == "__main__":
    main()
