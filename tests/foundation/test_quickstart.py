"""docs/quickstart.sh, the README's HTTP flow, runs as written against `kbsmith serve`."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import free_port, migrated_env, start_serve, wait_until_up
from tests.support.hostile_server import HostileServer
from tests.support.processes import REPO_ROOT

pytestmark = pytest.mark.slow  # starts real kbsmith processes


QUICKSTART = REPO_ROOT / "docs" / "quickstart.sh"


@pytest.mark.usefixtures("db")
def test_the_quickstart_script_publishes_an_article_from_a_page(
    tmp_path: Path, database_url: str, web: HostileServer
) -> None:
    env = migrated_env(tmp_path, database_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_serve(env, port, "--workers", "1", "--worker-processes", "0")

    def quickstart() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(QUICKSTART)],
            env=env | {"KBSMITH_URL": base, "PAGE_URL": web.url("/help")},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            cwd=tmp_path,
        )

    try:
        wait_until_up(base, server)
        run = quickstart()
        again = quickstart()  # the page's article is current: its no-op record is not published
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=30)
    assert run.returncode == 0, run.stderr
    assert "publishing draft" in run.stderr
    (live,) = run.stdout.splitlines()
    article_id, title = live.split("\t")
    assert title == "Help" and f"publishing draft {article_id}" in run.stderr
    assert again.returncode == 0, again.stderr
    assert "DO_NOTHING" in again.stderr and "nothing to publish" in again.stderr, again.stderr


def test_the_readme_shows_the_quickstart_and_how_to_pick_the_port() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    first_block = readme.split("```")[1]
    assert "scripts/run --port" in first_block and "--host" in first_block
    assert 'serve "$@"' in (REPO_ROOT / "scripts" / "run").read_text()
    assert "docs/quickstart.sh" in readme
    for unset in ("$ARTICLE", "$JOB", "@article.json"):
        assert unset not in readme, f"the README uses {unset}, which nothing sets"
    for provider in ("notion", "zendesk", "confluence", "googledrive"):
        assert f"kbsmith connect {provider} --workspace" in readme
