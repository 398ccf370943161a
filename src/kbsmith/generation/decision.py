"""The offline decision: which operation, on which article or into which folder, and why."""

from __future__ import annotations

from dataclasses import dataclass, field

from kbsmith.generation.features import Features
from kbsmith.generation.inputs import (
    Decision,
    GenerationInput,
    NoFittingOperation,
    ScoredCandidate,
)
from kbsmith.generation.operations import Operation
from kbsmith.generation.topic import ClearMatch, shipped_model


def _fitted_threshold() -> float:
    return shipped_model().threshold


def _fitted_clear_match() -> ClearMatch | None:
    return shipped_model().clear_match


@dataclass(frozen=True)
class Thresholds:
    same_topic: float = field(default_factory=_fitted_threshold)
    """Probability (`topic.py`) from which new content is about an article's topic."""
    same_content: float = 0.8
    """Share of paragraphs already present word for word: the same content, whatever the titles."""
    adds_nothing: float = 1.0
    """Containment at which the new content adds nothing to the article."""
    clear_match: ClearMatch | None = field(default_factory=_fitted_clear_match)
    """A topic below *same_topic* that stands out from every rival is the topic too."""


def repeats_added_article(mine: Features, theirs: Features, thresholds: Thresholds) -> bool:
    """Whether an article added since this job looked is this very topic (same title, or
    the same content by *thresholds*): then an ADD would make a duplicate."""
    same_title = bool(mine.title_terms) and mine.title_terms == theirs.title_terms
    shared = len(mine.paragraph_keys & theirs.paragraph_keys) / max(1, len(mine.paragraph_keys))
    return same_title or shared >= thresholds.same_content


def covering_article(inp: GenerationInput, thresholds: Thresholds) -> ScoredCandidate | None:
    """The article this content belongs to: its own last article, or one on the same topic."""
    for item in inp.candidates:
        if item.linked or item.containment >= thresholds.same_content:
            return item
    # another page of the same site is another topic unless it repeats this content
    topical = [c for c in inp.candidates if not c.sibling and c.same_topic >= thresholds.same_topic]
    if topical:
        return max(topical, key=lambda c: c.same_topic)
    return _clear_match(inp.candidates, thresholds.clear_match)


def _clear_match(
    candidates: list[ScoredCandidate], rule: ClearMatch | None
) -> ScoredCandidate | None:
    if rule is None or not candidates:
        return None
    best = max(candidates, key=lambda c: c.same_topic)
    others = [c.same_topic for c in candidates if c is not best]
    return best if not best.sibling and rule.holds(best.same_topic, others) else None


def decide(inp: GenerationInput, thresholds: Thresholds) -> Decision:
    target = covering_article(inp, thresholds)
    if target is None:
        return _add(inp)
    if target.linked and inp.unchanged_since_last_generation:
        return _nothing(
            inp, target, "the source has not changed since this article was generated from it"
        )
    if target.containment >= thresholds.adds_nothing and not target.linked:
        # (the source's own article is updated all the same: what the source no longer
        # says, the three-way merge takes out of the article)
        return _nothing(inp, target, "the article already says everything the source says")
    return _update(inp, target, thresholds)


def _add(inp: GenerationInput) -> Decision:
    if Operation.ADD not in inp.allowed:
        raise NoFittingOperation(
            "no existing article covers this content, and ADD_ARTICLE_TO_FOLDER is not allowed"
            + _closest(inp)
        )
    if inp.folders:
        folder = inp.folders[0]
        return Decision(
            Operation.ADD,
            f"new topic; best-fitting folder {folder.path!r} "
            f"(fit {folder.score:.2f})" + _closest(inp),
            folder=folder,
        )
    label = inp.source_label or "Knowledge base"
    return Decision(
        Operation.ADD,
        f"new topic; the workspace had no folder, so a folder "
        f"{label!r} was created" + _closest(inp),
        new_folder_title=label,
    )


def _update(inp: GenerationInput, target: ScoredCandidate, thresholds: Thresholds) -> Decision:
    why = _why_same(target, thresholds)
    if Operation.UPDATE in inp.allowed:
        return Decision(
            Operation.UPDATE, f"updates {target.candidate.title!r}: {why}", target=target
        )
    if Operation.NOTHING in inp.allowed:
        return Decision(
            Operation.NOTHING,
            f"{target.candidate.title!r} covers this ({why}) and "
            "UPDATE_ARTICLE is not allowed, so nothing was changed",
            target=target,
        )
    raise NoFittingOperation(
        f"{target.candidate.title!r} already covers this content ({why}); adding another "
        "article would duplicate it, and UPDATE_ARTICLE is not allowed"
    )


def _nothing(inp: GenerationInput, target: ScoredCandidate, why: str) -> Decision:
    if Operation.NOTHING in inp.allowed:
        return Decision(
            Operation.NOTHING,
            f"nothing to change in {target.candidate.title!r}: {why}",
            target=target,
        )
    raise NoFittingOperation(
        f"nothing to change in {target.candidate.title!r} ({why}), and DO_NOTHING is not allowed"
    )


def _why_same(target: ScoredCandidate, thresholds: Thresholds) -> str:
    if target.linked:
        return "it was generated from this source, which has changed"
    if target.containment >= 0.5:
        return f"{target.containment:.0%} of the content is already there"
    ahead = (
        ", far ahead of every other article" if target.same_topic < thresholds.same_topic else ""
    )
    return (
        f"same subject (probability {target.same_topic:.2f}{ahead}; title similarity "
        f"{target.title_similarity:.2f}, body similarity {target.body_similarity:.2f})"
    )


def _closest(inp: GenerationInput) -> str:
    if not inp.candidates:
        return ""
    best = inp.candidates[0]
    return (
        f"; closest article {best.candidate.title!r} (score {best.score:.2f}, titles "
        f"{'agree' if best.title_agreement else 'differ'}, body {best.body_similarity:.2f})"
    )
