#!/usr/bin/env bash
# Run everything CI runs: lint + the whole pytest suite (unit, notebooks, end-to-end in Chromium).
#
#   bash scripts/test.sh            # from any directory
#
# 1. creates .venv with python3.11 if it is missing (PYTHON=... to use another interpreter);
# 2. installs the project and its test extras at the pinned versions of constraints.txt;
# 3. installs Debian's chromium with apt-get if no Chromium binary is present (as root, or with
#    password-less sudo). If that is impossible the suite still runs and the browser tests skip,
#    saying why;
# 4. runs `ruff check .` and `pytest`; exits non-zero if either fails.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

say() { printf '\n==> %s\n' "$*"; }
loud() {
    printf '\n%s\n' "################################################################################" >&2
    printf '#  %s\n' "$@" >&2
    printf '%s\n\n' "################################################################################" >&2
}

# --- 1. virtualenv ---------------------------------------------------------------------------
PYTHON="${PYTHON:-python3.11}"
if [ ! -x .venv/bin/python ]; then
    if ! command -v "$PYTHON" >/dev/null 2>&1; then
        loud "$PYTHON not found: install Python 3.11 or run PYTHON=/path/to/python3.11 bash scripts/test.sh"
        exit 1
    fi
    say "creating .venv with $("$PYTHON" --version 2>&1)"
    "$PYTHON" -m venv .venv
fi

# --- 2. dependencies at the pinned versions ---------------------------------------------------
say "installing the project and test dependencies (constraints.txt)"
.venv/bin/python -m pip install --disable-pip-version-check -q -c constraints.txt -e ".[test]"

# --- 3. Chromium for the end-to-end tests -----------------------------------------------------
have_chromium() { [ -x /usr/bin/chromium ] || [ -x /usr/lib/chromium/chromium ]; }
if ! have_chromium; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            SUDO="sudo -n"
        else
            SUDO="unavailable"
        fi
    fi
    if [ "$SUDO" != "unavailable" ] && command -v apt-get >/dev/null 2>&1; then
        say "installing Debian chromium (apt-get)"
        if ! { $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium; }; then
            echo "apt-get could not install chromium" >&2
        fi
    fi
    if ! have_chromium; then
        loud "CHROMIUM IS NOT INSTALLED and could not be installed (needs apt-get and root or sudo)." \
             "The end-to-end browser tests (tests/e2e) WILL BE SKIPPED; everything else still runs." \
             "Fix: apt-get install -y chromium   (never 'playwright install')"
    fi
fi

# --- 4. lint and tests ------------------------------------------------------------------------
status=0
say "ruff check ."
.venv/bin/ruff check . || status=1

say "pytest (unit, notebooks, e2e)"
# --durations: the slowest tests are printed so the suite can be kept near its ~20 min budget
.venv/bin/pytest --durations=30 "$@" || status=1

if [ "$status" -ne 0 ]; then
    loud "FAILED: see the ruff/pytest output above (screenshots and server logs of failed browser tests: test-artifacts/)"
else
    say "all checks passed"
fi
exit "$status"
