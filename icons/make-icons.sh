#!/usr/bin/env bash
# Draws Pforte's icons with ImageMagick: the app icon (a door in an arch, on teal) and the three
# tray icons (available: green, unavailable: grey, requests waiting: green with an orange dot),
# then derives the bundle formats (.png sizes, .ico, .icns) with tauri-cli's `icon` command.
# Run from anywhere; needs `convert` and `npm ci` done in src-tauri/.
set -euo pipefail
cd "$(dirname "$0")"
convert -size 1024x1024 xc:none -fill '#1d5c70' -draw 'roundrectangle 40,40 984,984 200,200' \
  -fill white -draw 'path "M 352,840 L 352,440 A 160,160 0 0 1 672,440 L 672,840 Z"' \
  -fill '#1d5c70' -draw 'circle 600,650 600,680' \
  -fill '#f0b429' -draw 'rectangle 250,840 774,880' app-source-1024.png
tray() { # name colour [badge colour]
  convert -size 256x256 xc:none -fill "$2" -draw 'circle 128,128 128,8' \
    -fill white -draw 'path "M 84,208 L 84,110 A 44,44 0 0 1 172,110 L 172,208 Z"' \
    -fill "$2" -draw 'circle 152,160 152,170' "/tmp/$1-256.png"
  if [[ -n "${3:-}" ]]; then
    convert "/tmp/$1-256.png" -fill "$3" -stroke white -strokewidth 14 -draw 'circle 200,56 200,8' "/tmp/$1-256.png"
  fi
  convert "/tmp/$1-256.png" -resize 64x64 "$1.png"
}
tray tray-available '#2e9d4f'
tray tray-unavailable '#8a8f94'
tray tray-waiting '#2e9d4f' '#e8590c'
out="$(mktemp -d)"
(cd ../src-tauri && npx tauri icon ../icons/app-source-1024.png -o "$out" >/dev/null)
cp "$out"/{32x32.png,64x64.png,128x128.png,128x128@2x.png,icon.png,icon.icns,icon.ico} .
rm -rf "$out"
