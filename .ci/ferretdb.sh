#!/usr/bin/env bash
# ferretdb.sh — run a real MongoDB-protocol server (FerretDB v1, SQLite
# backend) for integration tests. No mongod is installable in CI, so the
# separate Go module in .ci/ferretdb embeds FerretDB.
#
#   .ci/ferretdb.sh build            build the binary into the cache if missing or outdated
#   eval "$(.ci/ferretdb.sh start)"  start on a free loopback port; sets and exports
#                                    MONGODB_URI and FERRETDB_PIDFILE
#   .ci/ferretdb.sh stop [PIDFILE]   stop the server started by start (default $FERRETDB_PIDFILE)
#                                    and remove its temporary data
#
# Only start prints to stdout (shell assignments for eval); diagnostics go to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/ferretdb"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/tessera/ferretdb"
bin="$cache/ferretdb"
stamp="$cache/ferretdb.stamp"

log() { printf 'ferretdb.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# source_stamp identifies the build inputs: the module's files and the Go toolchain.
source_stamp() {
	{
		go env GOVERSION GOOS GOARCH
		cat "$src/go.mod" "$src/go.sum" "$src"/*.go
	} | sha256sum | cut -d' ' -f1
}

cmd_build() {
	command -v go >/dev/null || die "go is not on PATH"
	mkdir -p "$cache"
	local want
	want="$(source_stamp)"
	if [[ -x "$bin" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
		return 0
	fi
	log "building FerretDB into $bin (first build takes a minute or two)"
	# GOWORK=off and -mod=mod keep this module independent of the main
	# module and of any workspace or vendor settings of the caller.
	(cd "$src" && GOWORK=off GOFLAGS="-mod=mod -buildvcs=false" go build -trimpath -o "$bin.tmp" .) ||
		die "go build in $src failed"
	mv -f "$bin.tmp" "$bin"
	printf '%s\n' "$want" >"$stamp"
}

# can_connect HOST PORT succeeds when a TCP connection to HOST:PORT opens.
can_connect() {
	(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

cmd_start() {
	cmd_build
	local state
	state="$(mktemp -d "${TMPDIR:-/tmp}/tessera-ferretdb.XXXXXX")"
	local pidfile="$state/ferretdb.pid" urifile="$state/uri" logfile="$state/ferretdb.log"

	# Port 0: the kernel picks a free loopback port and the server reports it
	# through --uri-file once it listens, so no other process can race for it.
	"$bin" --listen 127.0.0.1:0 --dir "$state/data" --uri-file "$urifile" \
		</dev/null >"$logfile" 2>&1 &
	local pid=$!
	printf '%s\n' "$pid" >"$pidfile"

	local i uri=""
	for ((i = 0; i < 200; i++)); do # up to 10 s
		if ! kill -0 "$pid" 2>/dev/null; then
			log "server exited during start; log follows"
			cat "$logfile" >&2
			rm -rf "$state"
			exit 1
		fi
		if [[ -s "$urifile" ]]; then
			uri="$(<"$urifile")"
			local hostport="${uri#mongodb://}"
			hostport="${hostport%%/*}"
			if can_connect "${hostport%:*}" "${hostport##*:}"; then
				break
			fi
		fi
		sleep 0.05
	done
	if [[ -z "$uri" ]] || ! can_connect "${hostport%:*}" "${hostport##*:}"; then
		log "server did not accept connections within 10 s; log follows"
		cat "$logfile" >&2
		kill "$pid" 2>/dev/null || true
		rm -rf "$state"
		exit 1
	fi
	log "FerretDB pid $pid serving $uri (data in $state)"
	printf 'MONGODB_URI=%s\n' "$uri"
	printf 'FERRETDB_PIDFILE=%s\n' "$pidfile"
	printf 'export MONGODB_URI FERRETDB_PIDFILE\n'
}

cmd_stop() {
	local pidfile="${1:-${FERRETDB_PIDFILE:-}}"
	[[ -n "$pidfile" ]] || die "stop: no pid file given and FERRETDB_PIDFILE is unset"
	[[ -f "$pidfile" ]] || { log "stop: $pidfile not found; nothing to stop"; return 0; }
	local pid state
	pid="$(<"$pidfile")"
	state="$(dirname "$pidfile")"
	[[ "$pid" =~ ^[0-9]+$ ]] || die "stop: $pidfile does not hold a pid"
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
		local i
		for ((i = 0; i < 100; i++)); do # up to 5 s, then force
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		if kill -0 "$pid" 2>/dev/null; then
			log "stop: pid $pid ignored SIGTERM; sending SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	# Only remove directories that start created.
	case "$(basename "$state")" in
	tessera-ferretdb.*) rm -rf "$state" ;;
	*) rm -f "$pidfile" ;;
	esac
}

case "${1:-}" in
build) cmd_build ;;
start) cmd_start ;;
stop) shift; cmd_stop "$@" ;;
*) die "usage: $0 build | start | stop [PIDFILE]" ;;
esac
