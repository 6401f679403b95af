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
