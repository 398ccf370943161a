"""Which folder a new article goes to: the folder of its nearest articles, measured.

    .venv/bin/python bench/folder_choice.py [--data DIR] [--embeddings on|off]

Banking77 (PolyAI, CC-BY-4.0; Casanueva et al., 2020), in ``../shared/data/faq-dev``: each of
the 77 intents is an article (its title the intent's name, its body 10 ``train`` requests), filed
in a folder of its subject (cards, top-ups, transfers, cash, exchange, account, security,
payments; from the intent's name). Each intent in turn is new content (10 of its ``test``
requests) with its own article taken out, as a new procedure arrives among its neighbours:
the folder it should go to is its subject's. Candidates are scored as a generation job scores
them (``WorkspaceIndex.shortlist`` + ``retrieval.score_candidates``, with MiniLM embeddings
when installed); each rule then picks a folder. Prints, per rule, how many of the 77 land in
the right folder, and how many of the misses had their single nearest article in the right one.
"""

from __future__ import annotations

import argparse
import csv
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from kbsmith.generation.embeddings import load_embedder
from kbsmith.generation.features import embed_features
from kbsmith.generation.inputs import Candidate, ScoredCandidate
from kbsmith.generation.retrieval import FolderRow, score_candidates, score_folders
from kbsmith.generation.shortlist import IndexedArticle, WorkspaceIndex

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "faq-dev"
CREDIT = "Banking77 (PolyAI, CC-BY-4.0; Casanueva et al., 2020)"
REQUESTS = 10
SUBJECTS = [
    ("Top-ups", ("top_up", "topping")),
    ("Cash", ("cash", "atm")),
    ("Transfers", ("transfer", "beneficiary", "receiving_money")),
    ("Exchange", ("exchange", "currenc", "fiat")),
    ("Security", ("pin", "passcode", "compromised", "lost_or_stolen")),
    ("Account", ("identity", "verify", "personal_details", "terminate", "age_limit", "country")),
    ("Cards", ("card", "contactless", "apple_pay", "visa")),
    ("Payments", ("refund", "charge", "payment", "debit", "transaction")),
]

Rule = Callable[[Sequence[ScoredCandidate], Sequence[FolderRow]], uuid.UUID]


def subject(intent: str) -> str:
    return next(
        (name for name, keys in SUBJECTS if any(k in intent.lower() for k in keys)), "Other"
    )


def requests(path: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if len(found[row["category"]]) < REQUESTS:
                found[row["category"]].append(row["text"])
    return found


def mean_of_three(scored: Sequence[ScoredCandidate], folders: Sequence[FolderRow]) -> uuid.UUID:
    by_folder: dict[uuid.UUID, list[float]] = defaultdict(list)
    for item in scored:
        by_folder[item.candidate.parent_folder_id].append(item.score)
    fits = {f: sum(sorted(s, reverse=True)[:3]) / len(s[:3]) for f, s in by_folder.items()}
    return max(fits, key=fits.__getitem__)


def nearest(scored: Sequence[ScoredCandidate], folders: Sequence[FolderRow]) -> uuid.UUID:
    return max(scored, key=lambda s: s.score).candidate.parent_folder_id


def vote(k: int) -> Rule:
    def rule(scored: Sequence[ScoredCandidate], folders: Sequence[FolderRow]) -> uuid.UUID:
        votes: dict[uuid.UUID, float] = defaultdict(float)
        for item in sorted(scored, key=lambda s: s.score, reverse=True)[:k]:
            votes[item.candidate.parent_folder_id] += item.score
        return max(votes, key=votes.__getitem__)

    return rule


def blend(weight: float) -> Rule:
    """weight * the folder's nearest article + (1 - weight) * the mean of its 3 nearest."""

    def rule(scored: Sequence[ScoredCandidate], folders: Sequence[FolderRow]) -> uuid.UUID:
        by_folder: dict[uuid.UUID, list[float]] = defaultdict(list)
        for item in scored:
            by_folder[item.candidate.parent_folder_id].append(item.score)
        fits = {}
        for folder, scores in by_folder.items():
            top = sorted(scores, reverse=True)[:3]
            fits[folder] = weight * top[0] + (1 - weight) * sum(top) / len(top)
        return max(fits, key=fits.__getitem__)

    return rule


def sharp_vote(k: int, power: float) -> Rule:
    def rule(scored: Sequence[ScoredCandidate], folders: Sequence[FolderRow]) -> uuid.UUID:
        votes: dict[uuid.UUID, float] = defaultdict(float)
        for item in sorted(scored, key=lambda s: s.score, reverse=True)[:k]:
            votes[item.candidate.parent_folder_id] += max(item.score, 0.0) ** power
        return max(votes, key=votes.__getitem__)

    return rule


def clear_nearest(margin: float) -> Rule:
    """The nearest article's folder when it is clearly nearer than any other folder's nearest,
    else the mean of the 3 closest per folder."""

    def rule(scored: Sequence[ScoredCandidate], folders: Sequence[FolderRow]) -> uuid.UUID:
        ranked = sorted(scored, key=lambda s: s.score, reverse=True)
        first = ranked[0]
        rival = next(
            (s for s in ranked if s.candidate.parent_folder_id != first.candidate.parent_folder_id),
            None,
        )
        if rival is None or first.score - rival.score >= margin:
            return first.candidate.parent_folder_id
        return mean_of_three(scored, folders)

    return rule


def shipped(scored: Sequence[ScoredCandidate], folders: Sequence[FolderRow]) -> uuid.UUID:
    return score_folders(folders, scored, frozenset())[0].id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--embeddings", choices=["on", "off"], default="on")
    args = parser.parse_args()
    embedder = load_embedder() if args.embeddings == "on" else None
    train = requests(args.data / "banking77-train.csv")
    test = requests(args.data / "banking77-test.csv")
    folders = {name: FolderRow(uuid.uuid4(), name, name) for name in {subject(i) for i in train}}
    intents = sorted(train)
    items = [(i.replace("_", " "), "\n\n".join(train[i]), ()) for i in intents]
    articles = [
        IndexedArticle(
            Candidate(uuid.uuid4(), title, text, [], folders[subject(i)].id, False, None, 1), f
        )
        for i, (title, text, _), f in zip(
            intents, items, embed_features(embedder, items), strict=True
        )
    ]
    rules: dict[str, Rule] = {
        "mean of the 3 closest per folder (before)": mean_of_three,
        "single nearest article": nearest,
        "similarity vote of the nearest 3": vote(3),
        "similarity vote of the nearest 5": vote(5),
        "similarity vote of the nearest 8": vote(8),
        "similarity^4 vote of the nearest 5": sharp_vote(5, 4),
        "similarity^4 vote of the nearest 8": sharp_vote(8, 4),
        "0.5 nearest + 0.5 mean of 3": blend(0.5),
        "nearest when 0.05 clear, else mean of 3": clear_nearest(0.05),
        "nearest when 0.1 clear, else mean of 3": clear_nearest(0.1),
        "nearest when 0.15 clear, else mean of 3": clear_nearest(0.15),
        "nearest when 0.2 clear, else mean of 3": clear_nearest(0.2),
        "0.3 nearest + 0.7 mean of 3": blend(0.3),
        "score_folders as shipped": shipped,
    }
    right = dict.fromkeys(rules, 0)
    nearest_was_right = dict.fromkeys(rules, 0)
    queries = [(i.replace("_", " "), "\n\n".join(test[i]), ()) for i in intents]
    for intent, new in zip(intents, embed_features(embedder, queries), strict=True):
        index = WorkspaceIndex()
        for other, article in zip(intents, articles, strict=True):
            if other != intent:
                index.add(1, article)
        scored = score_candidates(new, index.shortlist(new, None), None)
        truth = folders[subject(intent)].id
        for name, rule in rules.items():
            if rule(scored, list(folders.values())) == truth:
                right[name] += 1
            elif nearest(scored, []) == truth:
                nearest_was_right[name] += 1
    model = "MiniLM embeddings" if embedder else "lexical only"
    print(f"{CREDIT}: {len(intents)} intents in {len(folders)} folders, {model}")
    for name in rules:
        print(
            f"  {name:45} right folder {right[name]:3}/{len(intents)}"
            f"   wrong although the nearest article was right: {nearest_was_right[name]}"
        )


if __name__ == "__main__":
    main()
