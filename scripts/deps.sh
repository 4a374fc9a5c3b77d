#!/usr/bin/env bash
# Installs the Debian packages greenreach builds, runs and tests with, if any
# are missing. Safe to run repeatedly; needs root (or sudo) only to install.
set -euo pipefail

PKGS=(build-essential cmake pkg-config
      libgdal-dev gdal-bin libgeos-dev libproj-dev proj-bin proj-data
      libshp-dev libcmocka-dev libinih-dev libcairo2-dev libpng-dev libsqlite3-dev fonts-dejavu-core
      python3-gdal valgrind)

missing=()
for p in "${PKGS[@]}" "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
