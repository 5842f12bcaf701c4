#!/usr/bin/env bash
# Installs Debian's hnswlib Python binding (and numpy) for the engine
# comparison in internal/annbench (TestHNSWLibComparison, tessera-bench
# index --hnswlib /usr/bin/python3), only when it is missing. Safe to run
# repeatedly.
set -euo pipefail

if ! /usr/bin/python3 -c 'import hnswlib, numpy' 2>/dev/null; then
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then
		SUDO="sudo"
	fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update
	$SUDO apt-get install -y --no-install-recommends python3-hnswlib python3-numpy
fi
/usr/bin/python3 -c 'import hnswlib, numpy; print("hnswlib python binding", hnswlib.__file__)'
