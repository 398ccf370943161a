#!/usr/bin/env bash
# The README's flow over HTTP, as it runs: create a key, ingest a page, wait for its ingestion,
# generate draft articles from it, wait for the generation job, list the drafts, publish one,
# list the live articles.
#
#   scripts/run --port 8000 &                                  # the server, from this checkout
#   docs/quickstart.sh [PAGE_URL]
#
# Settings (environment):
#   KBSMITH_URL       the server                       (default http://127.0.0.1:8000)
#   KBSMITH_KEY       a read+write key to use          (default: a new one, see below)
#   PAGE_URL          the page to ingest, or argument 1 (default the Python venv tutorial)
#   WORKSPACE         the new key's workspace          (default quickstart)
#   KBSMITH_CLI       the kbsmith command              (default .venv/bin/kbsmith)
#   QUICKSTART_WAIT   seconds each wait may take       (default 120)
# Without KBSMITH_KEY the script creates a key with `kbsmith keys create`, from the checkout's
# root like scripts/run, so with the same KBSMITH_* settings the key lands in the server's data.
# Needs bash, curl (7.76+) and python3 (for reading JSON); jq is not needed.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE="${KBSMITH_URL:-http://127.0.0.1:8000}"
PAGE="${1:-${PAGE_URL:-https://docs.python.org/3/tutorial/venv.html}}"
WORKSPACE="${WORKSPACE:-quickstart}"
CLI="${KBSMITH_CLI:-.venv/bin/kbsmith}"
WAIT="${QUICKSTART_WAIT:-120}"
PYTHON="$(command -v python3 || echo .venv/bin/python)"

say() { printf '%s\n' "$*" >&2; }
fail() { say "quickstart: $*"; exit 1; }

# json EXPR [ARG...]: prints a Python expression over the JSON document on stdin (d), ARGs (a).
json() {
  "$PYTHON" -c 'import json, sys
print(eval(sys.argv[1], {"d": json.load(sys.stdin), "a": sys.argv[2:], "json": json}))' "$@"
}

# api METHOD PATH [BODY]: the answer's body on stdout; the status and body on stderr on failure.
api() {
  local args=(-sS --fail-with-body -X "$1" "$BASE$2" -H "Authorization: Bearer $KEY")
  [ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data "$3")
  curl "${args[@]}" || fail "$1 $2 failed (answer above)"
}

# wait_for WHAT COMMAND...: runs COMMAND until it prints a final state, at most $WAIT seconds.
wait_for() {
  local what="$1" state deadline=$((SECONDS + WAIT))
  shift
  while :; do
    state="$("$@")"
    case "$state" in
      COMPLETED) return 0 ;;
      FAILED*) fail "$what failed: ${state#FAILED}" ;;
    esac
    [ "$SECONDS" -lt "$deadline" ] || fail "$what did not end within $WAIT s (still $state)"
    sleep 0.5
  done
}

curl -sS --fail "$BASE/healthz" >/dev/null ||
  fail "no kbsmith server answers at $BASE: start one (scripts/run) or set KBSMITH_URL"

if [ -z "${KBSMITH_KEY:-}" ]; then
  say "1. creating a read+write key of workspace $WORKSPACE"
  KEY="$("$CLI" keys create --workspace "$WORKSPACE" --scope read --scope write \
         --name quickstart | tail -n 1)"
else
  KEY="$KBSMITH_KEY"
fi
if [ "$(curl -sS -o /dev/null -w '%{http_code}' "$BASE/v2/bots/public" \
        -H "Authorization: Bearer $KEY")" = 401 ]; then
  fail "the server at $BASE refuses the key: it was stored in other data than the server's" \
       "(run this from the server's checkout with its KBSMITH_* settings, or set KBSMITH_KEY)"
fi

say "2. ingesting $PAGE"
body="$(json 'json.dumps({"source": "web", "documentIdsToAdd": [a[0]]})' "$PAGE" <<<null)"
ingested="$(api POST /v2/documents/public "$body")"
DOC="$(json '(d["addedDocumentIds"] + d["updatedDocumentIds"])[0]' <<<"$ingested")"

source_state() {
  api GET "/v2/documents/public/$DOC" |
    json '"FAILED" + str(d["error"]) if d["linkedJobStatus"] == "FAILED" else d["linkedJobStatus"]'
}
wait_for "ingesting source $DOC" source_state
say "   source $DOC is ingested"

say "3. generating draft articles from it"
generated="$(api POST /v2/knowledge/public/bulk \
  "{\"documentIds\": [\"$DOC\"], \"origin\": \"sources\"}")"
JOB="$(json 'd["jobs"][0]["backgroundJobId"]' <<<"$generated")"

job_state() {
  api POST /v2/knowledge/public/jobs/status "{\"jobIds\": [\"$JOB\"]}" |
    json '("FAILED" + str(d["jobs"][0]["error"]) if d["jobs"][0]["jobStatus"] == "FAILED"
          else d["jobs"][0]["jobStatus"])'
}
wait_for "generation job $JOB" job_state
api POST /v2/knowledge/public/jobs/status "{\"jobIds\": [\"$JOB\"]}" |
  json '"   decided: {operation} ({reason})".format(**d["jobs"][0])' >&2

say "4. drafts waiting for review"
drafts="$(api GET "/v2/hc-articles/public?type=draft")"
json '"\n".join("   %s  %s" % (x["id"], x["title"]) for x in d["articles"]) or "   (none)"' \
  <<<"$drafts" >&2
ARTICLE="$(json 'next((x["id"] for x in d["articles"]
                         if a[0] in x["sourceIds"] and not x["isDraftPublished"]
                         and (x["generation"] or {}).get("operation") != "DO_NOTHING"), "")' \
  "$DOC" <<<"$drafts")"
if [ -n "$ARTICLE" ]; then
  say "5. publishing draft $ARTICLE"
  api POST "/v2/hc-articles/$ARTICLE/publish/public" >/dev/null
else
  say "5. no draft comes from this page (its article is already up to date): nothing to publish"
fi

say "6. live articles"
api GET "/v2/hc-articles/public?type=live" |
  json '"\n".join("%s\t%s" % (x["id"], x["title"]) for x in d["articles"])'
