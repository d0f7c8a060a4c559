#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# fcount-report.py: the table tools/testing/bench/fcount prints, from the
# function_graph traces its guest run saved.
#
#   fcount-report.py DIR N MECH... (the first MECH is compared with the others;
#                                   DIR/MECH.trace each, N round trips each)
#
# A call is one function entry function_graph shows (a function that is
# inlined or marked notrace is not a call here).  Each call is put in the
# phase the load marked (send / receive) and the system call it ran under;
# the load's own trace_marker writes are left out.  Its area is that of the
# outermost caller that belongs to a known area (an allocator call made by
# mbox code is "allocation", and so is everything the allocator calls), or
# else its own; the system call itself and mbox's and mq's own functions
# pass nothing on to their callees.
import collections
import re
import sys

AREAS = [
    ("syscall entry/exit", r"^(__x64_sys_|__do_sys_|do_syscall|ksys_|syscall_|exit_to_user|"
     r"fpregs_|switch_fpu|__fdget|fdget|__fget|fput|do_vfs_ioctl|vfs_ioctl|"
     r"__sys_|mqueue_get_inode|x64_sys_call|__rseq|rseq_)"),
    ("security hooks", r"^(security_|apparmor_|selinux_|bpf_lsm_|aa_|tomoyo_)"),
    ("allocation", r"(kmalloc|kvmalloc|kmem_cache|kfree|kvfree|^slab|memcg|obj_cgroup|"
     r"__alloc_pages|free_pages|mod_objcg|should_failslab|__kmem|krealloc|"
     r"refill_obj_stock|consume_obj_stock|get_obj_cgroup)"),
    ("user copies", r"(copy_from_user|copy_to_user|_copy_|check_object_size|__check_heap|"
     r"__virt_addr_valid|check_stack_object|copy_struct|might_fault|__get_user|__put_user|"
     r"strncpy_from_user|rep_movs|copy_user)"),
    ("locks", r"(mutex_|_raw_spin|spin_lock|spin_unlock|_raw_read|_raw_write|rcu_read|"
     r"down_read|up_read|down_write|up_write|preempt_count|__rcu_read)"),
    ("wake-ups, scheduler", r"(wake_up|try_to_wake_up|ttwu|^schedule|__schedule|select_task|"
     r"enqueue_|dequeue_|update_curr|pick_next|resched|wq_has_sleeper|__wake|"
     r"pipelined_|wake_q)"),
    ("accounting", r"(^mbox_user_(un)?charge|rlimit|inc_rlimit|dec_rlimit|user_shm)"),
    ("pid and credential references", r"(get_pid|put_pid|pid_vnr|task_tgid|from_kuid|"
     r"current_uid|__task_pid_nr_ns|pid_nr_ns|make_kuid|task_active_pid_ns)"),
    ("time", r"(ktime_get|hrtimer|timespec64|get_timespec|__ktime|read_tsc|"
     r"current_time|inode_needs_update_time|timestamp_truncate|ktime_)"),
    ("trace points", r"^(trace_|perf_|__traceiter)"),
    ("priority queue (rbtree, lists)", r"^(rb_|__rb_|list_|msg_insert|msg_get)"),
    ("mbox code", r"^mbox_"),
    ("POSIX mq code", r"(mq_|^do_mq|mqueue|wq_add|wq_sleep|load_msg|store_msg|free_msg|"
     r"alloc_msg|prepare_timeout)"),
]
AREAS = [(name, re.compile(rx)) for name, rx in AREAS]
# Areas that are a call's own only: their callees are counted by what they are.
OWN = ("syscall entry/exit", "mbox code", "POSIX mq code")


def area_of(name):
    for area, rx in AREAS:
        if rx.search(name):
            return area
    return None


def parse(path):
    """Calls per (phase, area) and per (phase, function), plus syscalls."""
    by_area = collections.Counter()
    by_func = collections.Counter()
    phase = None
    sysroot = None
    stack = []
    lost = 0
    with open(path, errors="replace") as f:
        for line in f:
            if "|" not in line or line.lstrip().startswith("#"):
                if "LOST" in line or "lost" in line:
                    lost += 1
                continue
            right = line.split("|", 1)[1].rstrip("\n")
            body = right.strip()
            m = re.match(r"/\* (?:tracing_mark_write: )?fcount (\w+) \*/", body)
            if m:
                phase = {"send": "send", "recv": "receive"}.get(m.group(1))
                continue
            if body.startswith("/*") or body.startswith("}") or not body:
                continue
            m = re.match(r"([\w.$]+)(?: \[\w+\])?\(\)\s*(\{|;)", body)
            if not m:
                continue
            name, kind = m.group(1), m.group(2)
            depth = max(0, (len(right) - len(right.lstrip()) - 2) // 2)
            del stack[depth:]
            if depth <= 1 and re.match(r"^(__x64_sys_|__ia32_sys_|__do_sys_)", name):
                sysroot = name
            skip = sysroot is not None and "write" in sysroot
            if phase and not skip:
                area = None
                for anc in stack:
                    area = area_of(anc)
                    if area and area not in OWN:
                        break
                    area = None
                area = area or area_of(name) or "other"
                by_area[(phase, area)] += 1
                by_func[(phase, name)] += 1
                by_area[(phase, "*")] += 1
            if kind == "{":
                stack.append(name)
    return by_area, by_func, lost


def main():
    d, n, mechs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    data = {m: parse(f"{d}/{m}.trace") for m in mechs}
    base, others = mechs[0], mechs[1:]
    ref = others[-1]

    def per(m, key, which=0):
        # mbox-batch moves 32 messages each way per round (fcount-load.c).
        return data[m][which][key] / (n * 32 if m == "mbox-batch" else n)

    cols = "".join(f" {m:>14}" for m in mechs)
    print(f"Kernel function calls per message (function_graph entries; {n} send+receive pairs")
    print("in one process, nobody waiting; interrupts left out)")
    print(f"{'':34}{cols} {'extra':>9}")
    for ph in ("send", "receive"):
        row = "".join(f" {per(m, (ph, '*')):14.1f}" for m in mechs)
        print(f"{ph:34}{row} {per(base, (ph, '*')) - per(ref, (ph, '*')):+9.1f}")
    tot = {m: per(m, ("send", "*")) + per(m, ("receive", "*")) for m in mechs}
    row = "".join(f" {tot[m]:14.1f}" for m in mechs)
    print(f"{'send + receive':34}{row} {tot[base] - tot[ref]:+9.1f}")

    print(f"\nBy area, send + receive ('extra': {base} - {ref})")
    areas = [a for a, _ in AREAS] + ["other"]
    print(f"{'area':34}{cols} {'extra':>9}")
    for a in areas:
        v = {m: per(m, ("send", a)) + per(m, ("receive", a)) for m in mechs}
        if all(abs(x) < 0.05 for x in v.values()):
            continue
        row = "".join(f" {v[m]:14.1f}" for m in mechs)
        print(f"{a:34}{row} {v[base] - v[ref]:+9.1f}")

    for ph in ("send", "receive"):
        funcs = set(k[1] for m in mechs for k in data[m][1] if k[0] == ph)
        diff = []
        for fn in funcs:
            a = per(base, (ph, fn), 1)
            b = per(ref, (ph, fn), 1)
            if abs(a - b) >= 0.5:
                diff.append((a - b, fn, a, b))
        diff.sort(key=lambda t: (-t[0], t[1]))
        print(f"\n{ph}: functions called more often by {base} than by {ref} (per message)")
        print(f"  {'function':40} {base:>14} {ref:>14} {'extra':>7}  area")
        for dlt, fn, a, b in diff:
            if dlt <= 0:
                continue
            print(f"  {fn:40} {a:14.1f} {b:14.1f} {dlt:+7.1f}  {area_of(fn) or 'other'}")
        fewer = [t for t in diff if t[0] < 0]
        if fewer:
            print(f"  ...and less often ({len(fewer)} functions, {sum(t[0] for t in fewer):+.1f} calls): "
                  + ", ".join(f"{t[1]} {t[0]:+.1f}" for t in sorted(fewer)[:8]))
    for m in mechs:
        if data[m][2]:
            print(f"WARNING: {m}: the trace reports lost events: counts are low")


if __name__ == "__main__":
    main()
