"""Main-content quality and CPU cost of kbsmith's HTML extraction vs plain trafilatura (WCXB).

    .venv/bin/python bench/extraction_quality.py [--data DIR] [--workers N] [--every N]

Prints mean word-level F1 (and precision/recall) per page kind and overall, `with` snippets
found, `without` snippets wrongly kept and pages rejected, for each extractor, then the same
for the held-out pages (every third page, `scoring.held_out`: the thresholds of the HTML
extraction were tuned on the other two thirds). Scoring rules are in
`kbsmith.extraction.scoring`.

CPU: each page goes through every extractor back to back in one worker process (which one
goes first turns with the page), each timed with that process's CPU clock (so other load on
a shared machine barely moves it); "CPU vs trafilatura" is plain trafilatura's CPU seconds
over the extractor's on the same pages (> 1: cheaper than trafilatura).
"""

import argparse
import sys
import time
from pathlib import Path

from kbsmith.extraction import scoring

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "web-pages"
BASELINE = "trafilatura"


def main() -> int:
    args = _arguments()
    if not args.data.is_dir():
        print(f"no WCXB pages at {args.data}", file=sys.stderr)
        return 2
    pages = scoring.load_pages(args.data)[:: args.every]
    print(f"Data: {scoring.CREDIT}")
    print(f"{len(pages)} pages from {args.data}\n")
    started = time.perf_counter()
    scores = scoring.run(pages, args.workers)
    print(f"{time.perf_counter() - started:.0f} s with {args.workers} workers\n")
    _print_table({name: scoring.summarise_by_kind(s) for name, s in scores.items()})
    held_out = {page.file_id for page in scoring.held_out(pages)}
    print(f"\nheld-out pages only ({len(held_out)}: every third page, from the third):")
    _print_table(
        {
            name: scoring.summarise_by_kind([s for s in page_scores if s.file_id in held_out])
            for name, page_scores in scores.items()
        }
    )
    print(
        "\nF1 is the mean over pages with reference text; rejected pages score 0. CPU vs "
        f"{BASELINE}: its CPU seconds / the extractor's, same pages, same process."
    )
    return 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="WCXB pages directory")
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--every", type=int, default=1, help="score every Nth page only")
    return parser.parse_args()


def _print_table(results: dict[str, dict[str, scoring.Summary]]) -> None:
    header = f"{'kind':<15}{'extractor':<13}{'pages':>6}{'F1':>8}{'P':>7}{'R':>7}"
    print(f"{header}{'with found':>14}{'without kept':>15}{'rejected':>10}{'CPU vs traf.':>14}")
    kinds = next(iter(results.values())).keys()
    for kind in kinds:
        baseline_cpu = results[BASELINE][kind].cpu_seconds
        for name, summaries in results.items():
            s = summaries[kind]
            print(
                f"{kind:<15}{name:<13}{s.scored:>6}{s.f1:>8.4f}{s.precision:>7.3f}"
                f"{s.recall:>7.3f}{f'{s.with_found}/{s.with_total}':>14}"
                f"{f'{s.without_kept}/{s.without_total}':>15}{s.rejected:>10}"
                f"{baseline_cpu / max(s.cpu_seconds, 1e-9):>13.2f}x"
            )


if __name__ == "__main__":
    sys.exit(main())
