#!/usr/bin/env bash
# Schemathesis against the real server's OpenAPI document, every check on, bounded: one run
# with a counselor's token, one with an asker's, against a fresh demo database. Fails on any
# failure schemathesis finds (5xx, undocumented status or body, accepted invalid input, …).
# Ends with `api-fuzz: N passed, N failed` (one per run).
#
#   tests/api-fuzz/run.sh              # FUZZ_EXAMPLES=100 cases per operation and phase
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
HERE="$ROOT/tests/api-fuzz"
SCHEMATHESIS_VERSION=4.32.5
WEBSOCKETS_VERSION=15.0.1
EXAMPLES="${FUZZ_EXAMPLES:-100}"

command -v python3 >/dev/null || apt_install python3
python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
VENV="${PFORTE_CACHE:-$HOME/.cache/pforte}/schemathesis-$SCHEMATHESIS_VERSION"
if [ ! -x "$VENV/bin/schemathesis" ]; then
    echo "==> installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION" "websockets==$WEBSOCKETS_VERSION"
fi

SERVER="${PFORTE_SERVER_BIN:-$ROOT/target/debug/pforte-server}"
[ -x "$SERVER" ] || (cd "$ROOT" && cargo build --locked -p pforte-server --quiet)
work="$(mktemp -d)"
server_pid=""
seed_pid=""
cleanup() {
    # The seeder first (its stdin closes, it leaves), then the server.
    exec 3>&- 2>/dev/null || true
    [ -n "$seed_pid" ] && wait "$seed_pid" 2>/dev/null
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

PFORTE_LOG=warn PFORTE_LOGIN_PER_MINUTE=100000 PFORTE_ENTER_PER_MINUTE=100000 \
    "$SERVER" --data-dir "$work/data" demo --listen 127.0.0.1:0 >"$work/server.log" 2>&1 &
server_pid=$!
base=""
for _ in $(seq 1 100); do
    base="$(sed -n 's|^Counselor dashboard: \(http://[^ ]*\)/$|\1|p' "$work/server.log" | head -n 1)"
    [ -n "$base" ] && break
    sleep 0.1
done
[ -n "$base" ] || { cat "$work/server.log"; echo "the server did not start"; exit 1; }

# The seeder holds anna's socket (the gate stays open) until its stdin closes.
mkfifo "$work/seed.in"
"$VENV/bin/python" "$HERE/seed.py" "$base" <"$work/seed.in" >"$work/seed.out" &
seed_pid=$!
exec 3>"$work/seed.in"
for _ in $(seq 1 100); do
    [ -s "$work/seed.out" ] && break
    sleep 0.1
done
eval "$(cat "$work/seed.out")"
export CONVERSATION_ID
[ -n "${COUNSELOR_TOKEN:-}" ] || { echo "seeding failed"; exit 1; }

passed=0
failed=0
run() {
    local name="$1" token="$2"
    shift 2
    echo "==> schemathesis ($name)"
    if (cd "$HERE" && timeout 600 "$VENV/bin/schemathesis" run "$base/api/openapi.json" \
        --checks all --max-examples "$EXAMPLES" --workers 1 --seed 1 \
        -H "Authorization: Bearer $token" \
        --exclude-path-regex '/ws$' "$@"); then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
}
# Logging out, and removing a device (which logs out the session that added it), would end
# the very session under test; both have their own integration tests.
run counselor "$COUNSELOR_TOKEN" --exclude-path /api/auth/logout \
    --exclude-path '/api/me/devices/{id}' --exclude-tag asker
run asker "$ASKER_TOKEN" --include-tag asker
echo "api-fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
