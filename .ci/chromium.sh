#!/usr/bin/env bash
# Installs Debian's chromium for the web/e2e browser tests, only when it is
# missing. Safe to run repeatedly; always prints the installed version.
set -euo pipefail

if [ ! -x /usr/bin/chromium ]; then
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then
		SUDO="sudo"
	fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update
	# fonts-liberation gives the headless browser real fonts for screenshots.
	$SUDO apt-get install -y --no-install-recommends chromium fonts-liberation
fi

/usr/bin/chromium --version
