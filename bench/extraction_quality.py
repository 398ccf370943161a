"""Main-content quality of kbsmith's HTML extraction vs plain trafilatura, on WCXB pages.

    .venv/bin/python bench/extraction_quality.py [--data DIR] [--workers N] [--every N]

Prints mean word-level F1 (and precision/recall) per page kind and overall, `with` snippets
found, `without` snippets wrongly kept and pages rejected, for each extractor. Scoring
rules are in `kbsmith.extraction.scoring`.
"""

import argparse
import sys
import time
from pathlib import Path

from kbsmith.extraction import scoring

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "web-pages"


def main() -> int:
    args = _arguments()
    if not args.data.is_dir():
        print(f"no WCXB pages at {args.data}", file=sys.stderr)
        return 2
    pages = scoring.load_pages(args.data)[:: args.every]
    print(f"Data: {scoring.CREDIT}")
    print(f"{len(pages)} pages from {args.data}\n")
    results = {}
    for name in scoring.EXTRACTORS:
        started = time.perf_counter()
        results[name] = scoring.summarise_by_kind(scoring.run(pages, name, args.workers))
        print(f"{name}: {time.perf_counter() - started:.0f} s with {args.workers} workers")
    print()
    _print_table(results)
    return 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="WCXB pages directory")
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--every", type=int, default=1, help="score every Nth page only")
    return parser.parse_args()


def _print_table(results: dict[str, dict[str, scoring.Summary]]) -> None:
    header = f"{'kind':<15}{'extractor':<13}{'pages':>6}{'F1':>8}{'P':>7}{'R':>7}"
    print(f"{header}{'with found':>14}{'without kept':>15}{'rejected':>10}")
    kinds = next(iter(results.values())).keys()
    for kind in kinds:
        for name, summaries in results.items():
            s = summaries[kind]
            print(
                f"{kind:<15}{name:<13}{s.scored:>6}{s.f1:>8.4f}{s.precision:>7.3f}"
                f"{s.recall:>7.3f}{f'{s.with_found}/{s.with_total}':>14}"
                f"{f'{s.without_kept}/{s.without_total}':>15}{s.rejected:>10}"
            )
    print("\nF1 is the mean over pages with reference text; rejected pages score 0.")


if __name__ == "__main__":
    sys.exit(main())
