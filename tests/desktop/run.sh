#!/usr/bin/env bash
# The desktop app's end-to-end tests: the real app binary under Xvfb with its own D-Bus
# session, a notification daemon, a tray, a Secret Service and WebDriver, against the real
# server. Installs what it needs, builds, runs tests/desktop/e2e.py.
# Ends with `desktop: N passed, N failed`; exits non-zero on any failure.
#
# Options (environment): SKIP_BUILD=1 uses the binaries as built (scripts/test: by its
# `cargo test --workspace --features pforte-desktop/bundled-ui`, so the app is built once);
# E2E_LOGS=<dir> keeps the logs of every process there (default: a temporary folder).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

# ---------------------------------------------------------------- what the tests need
apt_packages=(
  # build
  build-essential pkg-config file libwebkit2gtk-4.1-dev libayatana-appindicator3-dev
  librsvg2-dev libxdo-dev libssl-dev libdbus-1-dev
  # run and drive
  xvfb xauth dbus webkit2gtk-driver dunst fonts-dejavu-core imagemagick python3 python3-xlib
  python3-dbus python3-cryptography xdotool trayer gnome-keyring
)
missing=()
for package in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "==> apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v tauri-driver >/dev/null; then
  echo "==> cargo install tauri-driver"
  cargo install tauri-driver --locked --version 2.1.0
fi

# ---------------------------------------------------------------- build
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-0}"
if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  # The real dashboard, bundled into the app (tauri.conf.json: frontendDist ../ui/dist).
  echo "==> ui: npm ci, build (ui/dist)"
  command -v npm >/dev/null || apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  (cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
  echo "==> cargo build -p pforte-server"
  cargo build -p pforte-server --locked
  # custom-protocol: the UI from ui/dist inside the binary, as the installer has it.
  echo "==> cargo build -p pforte-desktop (ui/dist bundled), pforte-tray beside it"
  cargo build -p pforte-desktop --locked --features bundled-ui
  cargo build -p pforte-shell --locked --bin pforte-tray
fi

# ---------------------------------------------------------------- run
home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
mkdir -p "$home/.config" "$home/.local/share" "$home/.cache" "$home/run"
chmod 700 "$home/run"
export PFORTE_SERVER_BIN="$ROOT/target/debug/pforte-server"
export PFORTE_DESKTOP_BIN="$ROOT/target/debug/pforte-desktop"
export SCREENSHOTS="$ROOT/tests/desktop/screenshots"
[[ -n "${E2E_LOGS:-}" ]] && mkdir -p "$E2E_LOGS"
# A throwaway HOME: keyring, window state, autostart entry and settings stay out of the real one.
HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_DATA_HOME="$home/.local/share" \
  XDG_CACHE_HOME="$home/.cache" XDG_RUNTIME_DIR="$home/run" NO_AT_BRIDGE=1 \
  timeout 600 xvfb-run -a -s "-screen 0 1280x800x24" \
  dbus-run-session -- /usr/bin/python3 "$ROOT/tests/desktop/e2e.py"
