# Sourced by scripts/test: makes sure Debian's chromium is installed for the console's browser
# tests (Playwright drives it and never downloads a browser of its own), and requires them.
ensure_chromium() {
  if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing chromium from the system's packages..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  command -v chromium >/dev/null 2>&1
}

ensure_chromium || echo "chromium is not available: the browser tests will fail" >&2
export KBSMITH_REQUIRE_BROWSER="${KBSMITH_REQUIRE_BROWSER:-1}"
