#!/usr/bin/env bash
# Tessera's test command: installs and starts what the tests need (headless
# Chromium, a FerretDB MongoDB-protocol server), then runs vet, the Go tests
# (with the race detector on the concurrent packages) and short fuzz runs.
# Usage: bash .ci/test.sh        (CI runs exactly this via .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n== %s\n' "$*"; }

step "tools"
go version
bash .ci/chromium.sh
export CHROMIUM_PATH=${CHROMIUM_PATH:-/usr/bin/chromium}
bash .ci/hnswlib.sh
export TESSERA_HNSWLIB_PYTHON=${TESSERA_HNSWLIB_PYTHON:-/usr/bin/python3}

step "FerretDB (MongoDB wire protocol) for the store and follower tests"
bash .ci/ferretdb.sh build
eval "$(bash .ci/ferretdb.sh start)"
export MONGODB_URI
trap 'bash "$root/.ci/ferretdb.sh" stop || true' EXIT
echo "MONGODB_URI=$MONGODB_URI"

step "gofmt and go vet"
unformatted=$(gofmt -l $(git ls-files '*.go' | grep -v '^.ci/'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...

export TESSERA_ARTIFACTS=${TESSERA_ARTIFACTS:-$root/test-artifacts}
mkdir -p "$TESSERA_ARTIFACTS"

step "go test"
go test -count=1 -timeout 25m ./... 2>&1 | tee "$TESSERA_ARTIFACTS/go-test.log" | grep -v '^{"time"' 

step "go test -race (concurrent packages)"
go test -count=1 -race -timeout 25m ./index/... ./ingest/... ./query/... ./spaces/... ./web ./mongo/... ./source/... 2>&1 | grep -v '^{"time"'

step "fuzz (short, bounded runs)"
# A crashing input is always written to testdata/fuzz/<target>/. Go 1.26's
# fuzz coordinator can also fail a target with a bare "context deadline
# exceeded" when -fuzztime ends while a worker is mid-call (golang/go#75804,
# fixed in Go 1.27); that failure, with no new input written, is reported
# and not counted.
corpus_size() { if [ -d "$1" ]; then ls "$1" | wc -l; else echo 0; fi; }
fuzz() { # package target seconds
  local log="$TESSERA_ARTIFACTS/fuzz-$2.log" corpus="$1/testdata/fuzz/$2" before after
  before=$(corpus_size "$corpus")
  if go test -run '^$' -fuzz "^$2\$" -fuzztime "${3}s" "$1" >"$log" 2>&1; then
    echo "fuzz $2: ok (${3}s)"
    return 0
  fi
  after=$(corpus_size "$corpus")
  if [ "$after" = "$before" ] && grep -qx '    context deadline exceeded' "$log" && ! grep -q 'Failing input written' "$log"; then
    echo "fuzz $2: ok (${3}s; go's fuzztime deadline race golang/go#75804 ended the run, no crasher)"
    return 0
  fi
  echo "fuzz $2 FAILED:"
  tail -30 "$log"
  return 1
}
for spec in $(grep -rl --include='*_test.go' '^func Fuzz' . | grep -v '^./.ci/' | sort); do
  pkg=./$(dirname "${spec#./}")
  for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$spec" | sed 's/^func //'); do
    fuzz "$pkg" "$target" "${FUZZ_SECONDS:-5}"
  done
done

echo
echo "all tests passed"
