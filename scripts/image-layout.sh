#!/usr/bin/env bash
# Lays out the agent's production install in DIR: bin/, src/, package.json and the lockfile, then the
# production dependencies only (npm ci --omit=dev, no install scripts). The Dockerfile runs this script to
# build the image's /app, and test/integration/image/layout.test.ts runs it into a temporary directory, so the
# tested layout and the shipped one cannot drift apart.
# Usage: scripts/image-layout.sh DIR
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=${1:?usage: image-layout.sh DIR}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
[ -z "$(ls -A "$dest")" ] || { echo "image-layout.sh: $dest is not empty" >&2; exit 2; }
cp -R "$root/bin" "$root/src" "$dest/"
cp "$root/package.json" "$root/package-lock.json" "$root/.npmrc" "$dest/"
cd "$dest"
# --prefer-offline: a warm npm cache (CI, a developer's machine) installs without the registry.
npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error >&2
# The lockfile and .npmrc have done their job; what runs is bin/, src/, package.json and node_modules/.
rm -f package-lock.json .npmrc
echo "$dest"
