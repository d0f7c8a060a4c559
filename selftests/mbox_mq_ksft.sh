#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own POSIX mq selftests (tools/testing/selftests/mqueue of
# linux-source-6.1, built unchanged) run against libmbox-mq through
# LD_PRELOAD.  Needs root (they change /proc/sys/fs/mqueue).  TAP output.
#
# mq_open_tests prints PASS/FAIL lines and exits 0 either way: a FAIL
# line, a missing PASS line, or any other exit status fails.  mq_perf_tests
# runs 20 million operations, too many for an emulated guest: it runs in
# its own continuous mode (-c 0) for MBOX_MQ_PERF_SECONDS (default 20 s)
# and must stay up until SIGINT, then exit 0; MBOX_MQ_PERF_FULL=1 runs the
# timed tests instead.
here=$(cd "$(dirname "$0")" && pwd)
lib=$here/mq/libmbox-mq.so.1
n=0
fail=0

ok() { n=$((n + 1)); echo "ok $n $1"; }
notok() { n=$((n + 1)); fail=1; echo "not ok $n $1"; }

echo "TAP version 13"
echo "1..4"
if [ "$(id -u)" != 0 ]; then
	echo "# SKIP: needs root"
	exit 4
fi
out=$(mktemp)

# 1: the preload really takes mq_open over.
LD_DEBUG=bindings LD_PRELOAD=$lib "$here/mq_open_tests" /mbox-ksft-bind \
	>/dev/null 2>"$out"
if grep -q "to $lib.*symbol .mq_open'" "$out"; then
	ok "mq_open binds to libmbox-mq"
else
	notok "mq_open binds to libmbox-mq"
	grep "mq_open" "$out" | head -5 | sed 's/^/# /'
fi

# 2: mq_open_tests.
rc=0
LD_PRELOAD=$lib "$here/mq_open_tests" /mbox-ksft-open >"$out" 2>&1 || rc=$?
sed 's/^/# /' "$out"
passes=$(grep -c 'PASS$' "$out")
if [ $rc -eq 0 ] && ! grep -q 'FAIL$' "$out" && [ "$passes" -ge 10 ]; then
	ok "mq_open_tests ($passes PASS lines)"
else
	notok "mq_open_tests (exit $rc, $passes PASS lines)"
fi

# 3: mq_perf_tests.
if [ "${MBOX_MQ_PERF_FULL:-0}" = 1 ]; then
	rc=0
	LD_PRELOAD=$lib "$here/mq_perf_tests" >"$out" 2>&1 || rc=$?
	sed 's/^/# /' "$out"
	if [ $rc -eq 0 ] && grep -q 'Test #2d' "$out"; then
		ok "mq_perf_tests"
	else
		notok "mq_perf_tests (exit $rc)"
	fi
else
	LD_PRELOAD=$lib "$here/mq_perf_tests" -c 0 >"$out" 2>&1 &
	pid=$!
	sleep "${MBOX_MQ_PERF_SECONDS:-20}"
	if kill -0 $pid 2>/dev/null; then
		kill -USR1 $pid
		rc=0
		wait $pid || rc=$?
	else
		rc=0
		wait $pid || rc=$?
		rc=${rc:-1}
		[ $rc -eq 0 ] && rc=100
	fi
	sed 's/^/# /' "$out"
	if [ $rc -eq 0 ] && grep -q 'Started continuous mode thread' "$out"; then
		ok "mq_perf_tests -c 0 (continuous mode)"
	else
		notok "mq_perf_tests -c 0 (exit $rc)"
	fi
fi

# 4: nothing left behind.
if LD_PRELOAD=$lib "$here/mq_open_tests" /mbox-ksft-open >/dev/null 2>&1; then
	ok "queues cleaned up (a second run creates them afresh)"
else
	notok "queues cleaned up"
fi
rm -f "$out"
echo "# totals: pass:$((n - fail)) fail:$fail"
exit $fail
