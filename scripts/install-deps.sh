#!/usr/bin/env bash
# Installs the Debian packages SwarmBFT builds and tests against, if any is missing.
# Safe to run repeatedly; needs root (or sudo) only when something must be installed.
set -euo pipefail

packages=(libzmq3-dev libsodium-dev libsqlite3-dev pkg-config)
if [ "${SWARMBFT_WITH_NETNS:-0}" = 1 ]; then packages+=(iproute2 iptables iputils-ping); fi
if [ "${SWARMBFT_WITH_FUZZ_TOOLS:-0}" = 1 ]; then packages+=(); fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
pkg-config --exists libzmq libsodium || { echo "pkg-config cannot find libzmq and libsodium" >&2; exit 1; }
