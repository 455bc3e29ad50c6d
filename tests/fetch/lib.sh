# Shell helpers for the fetch golden cases (tests/golden/fetch-*/cmd):
#   . "$RECON_ROOT/tests/fetch/lib.sh"
#
# start_server ARGS...  start tests/fetch/server.py on a free loopback port
#                       (served files in ./www, faults in ./faults, requests
#                       logged to ./requests.log); sets PORT; the server is
#                       killed when the script exits
# make_conf             write recon.conf from recon.conf.in, @PORT@ replaced
# rrecon ARGS...        run recon; its stdout and stderr with the port shown
#                       as PORT, then "exit N" on stdout
# faults LINE...        replace the faults file with these lines
# archived              the objects in archive/ (not tmp/), with their modes
# unport                filter: the port shown as PORT

# Loopback only: never through a proxy the environment may name.
export no_proxy=127.0.0.1 NO_PROXY=127.0.0.1

SERVER_PID=
stop_server() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=
}

start_server() {
	mkdir -p www
	: >>faults
	rm -f port
	python3 "$RECON_ROOT/tests/fetch/server.py" --root www --port-file port \
		--log requests.log --faults faults --lifetime 30 "$@" &
	SERVER_PID=$!
	trap stop_server EXIT
	n=0
	while [ ! -s port ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
	PORT=$(cat port) || { echo "server did not start"; exit 1; }
}

make_conf() {
	sed "s/@PORT@/$PORT/g" recon.conf.in >recon.conf
}

unport() {
	sed "s/127\.0\.0\.1:$PORT/127.0.0.1:PORT/g"
}

rrecon() {
	recon "$@" >rrecon.out 2>rrecon.err
	st=$?
	unport <rrecon.out
	unport <rrecon.err >&2
	echo "exit $st"
}

faults() {
	printf '%s\n' "$@" >faults.new && mv faults.new faults
}

archived() {
	[ -d archive ] || return 0
	find archive -path archive/tmp -prune -o -type f -exec stat -c '%a %n' {} + | sort
}
