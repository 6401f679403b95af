# Shared by scripts/demo and scripts/test: install what a fresh Debian machine lacks.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=0
# Install Debian packages that are not installed yet.
apt_install() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "==> installing Debian packages: ${missing[*]}"
    if [ "$APT_UPDATED" -eq 0 ]; then
        as_root apt-get update -qq
        APT_UPDATED=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# A Rust toolchain (stable, 1.85 or newer).
ensure_rust() {
    if ! command -v cargo >/dev/null 2>&1; then
        apt_install rustup || apt_install curl ca-certificates
        if command -v rustup >/dev/null 2>&1; then
            rustup default stable
        else
            curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
        fi
    fi
    apt_install build-essential pkg-config
}

# Node.js and npm for the UI.
ensure_node() {
    command -v npm >/dev/null 2>&1 || apt_install nodejs npm
}

# A PostgreSQL server for the tests; exports PFORTE_TEST_POSTGRES (a URL without database,
# whose user may create databases). Uses the one on 127.0.0.1:5432 if it answers with trust
# authentication; else installs Debian's postgresql and starts a private cluster in a
# temporary folder on a free port (as the user `postgres` when running as root), stopped by
# `stop_postgres`.
PRIVATE_PG=""
ensure_postgres() {
    if [ -n "${PFORTE_TEST_POSTGRES:-}" ]; then return 0; fi
    if command -v psql >/dev/null 2>&1 \
        && psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atc 'SELECT 1' >/dev/null 2>&1; then
        export PFORTE_TEST_POSTGRES="postgres://postgres@127.0.0.1:5432"
        return 0
    fi
    local bin
    bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    if [ -z "$bin" ]; then
        apt_install postgresql
        bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
    fi
    PRIVATE_PG="$(mktemp -d)"
    local port
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    local run=()
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --home "$PRIVATE_PG" postgres
        chown postgres "$PRIVATE_PG"
        run=(runuser -u postgres --)
    fi
    "${run[@]}" "$bin/initdb" -D "$PRIVATE_PG/data" -A trust -U pforte >/dev/null
    "${run[@]}" "$bin/pg_ctl" -D "$PRIVATE_PG/data" -l "$PRIVATE_PG/log" -w \
        -o "-p $port -k $PRIVATE_PG -c listen_addresses=127.0.0.1 -c fsync=on" start >/dev/null
    PRIVATE_PG_STOP=("${run[@]}" "$bin/pg_ctl" -D "$PRIVATE_PG/data" -m fast stop)
    export PFORTE_TEST_POSTGRES="postgres://pforte@127.0.0.1:$port"
    echo "==> a private PostgreSQL for the tests on port $port"
}

stop_postgres() {
    if [ -n "$PRIVATE_PG" ]; then
        "${PRIVATE_PG_STOP[@]}" >/dev/null 2>&1 || true
        rm -rf "$PRIVATE_PG"
        PRIVATE_PG=""
    fi
}
