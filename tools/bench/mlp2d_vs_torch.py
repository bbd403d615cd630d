#!/usr/bin/env python3
"""Side-by-side training throughput on the 2-D workload (mlp2d): this toolkit vs the PyTorch peer.

Alternates, round by round, `tools/bgan bench` and the peer `peer_torch.py --workload mlp2d`
(from the shared bench folder beside the project) at 1 and 2 threads, for gan/bgan/mbgan with
sample reuse on and off (the peer's --reuse), and prints the medians over rounds and the ratios.
Both sides: batch 100, 5 D steps + 1 G step per iteration, gamma 0.5. The peer runs with
OMP_WAIT_POLICY=PASSIVE (its best 2-thread setting) through Debian's /usr/bin/python3.

usage: python3 tools/bench/mlp2d_vs_torch.py [--rounds 3] [--peer PATH] [--threads 1,2]
"""
import argparse
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def parse(out):
    rows = []
    for line in out.splitlines():
        if line.startswith("workload="):
            rows.append(dict(kv.split("=", 1) for kv in line.split()))
    return rows


def run(cmd, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        raise SystemExit("failed: " + " ".join(cmd))
    return parse(p.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--peer", default=os.path.join(ROOT, "..", "shared", "bench", "peer_torch.py"))
    a = ap.parse_args()
    if not os.path.isfile(a.peer):
        raise SystemExit("peer benchmark not found: %s (pass --peer PATH)" % a.peer)
    if not os.path.isfile("/usr/bin/python3"):
        raise SystemExit("/usr/bin/python3 (Debian's, with python3-torch) is needed for the peer")
    ours, peer = {}, {}
    penv = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    for r in range(a.rounds):
        for reuse in ("on", "off"):
            for row in run([os.path.join(ROOT, "tools", "bgan"), "bench", "--threads", a.threads, "--reuse", reuse,
                            "--rounds", "1", "--iters", str(a.iters)]):
                key = (row["disc"], int(row["threads"]), reuse if row["disc"] != "gan" else "-")
                ours.setdefault(key, []).append(row)
            cmd = ["/usr/bin/python3", a.peer, "--workload", "mlp2d", "--disc", "all", "--threads", a.threads,
                   "--iters", str(a.iters)] + (["--reuse"] if reuse == "on" else [])
            for row in run(cmd, penv):
                key = (row["disc"], int(row["threads"]), reuse if row["disc"] != "gan" else "-")
                peer.setdefault(key, []).append(row)
        print("# round %d/%d done" % (r + 1, a.rounds), file=sys.stderr, flush=True)

    def med(rows, f):
        return statistics.median(float(x[f]) for x in rows)

    print("| disc | reuse | threads | this toolkit it/s | PyTorch it/s | ratio | D steps/s (ours) |")
    print("|---|---|---|---|---|---|---|")
    for key in sorted(ours, key=lambda k: (k[1], k[2], ["gan", "bgan", "mbgan"].index(k[0]))):
        if key not in peer:
            continue
        o, p = med(ours[key], "iters_per_s"), med(peer[key], "iters_per_s")
        print("| %s | %s | %d | %.2f | %.2f | %.2fx | %.1f |" % (key[0], key[2], key[1], o, p, o / p,
                                                              med(ours[key], "d_steps_per_s")))
    print()
    print("D-step cost of BGAN/M-BGAN relative to the standard GAN's (ours, medians; reuse on = both see 2B samples):")
    for t in sorted({k[1] for k in ours}):
        g = med(ours[("gan", t, "-")], "d_steps_per_s")
        for d in ("bgan", "mbgan"):
            for reuse in ("on", "off"):
                if (d, t, reuse) in ours:
                    x = med(ours[(d, t, reuse)], "d_steps_per_s")
                    print("  threads=%d %s reuse=%s: %+.1f%%" % (t, d, reuse, 100 * (g / x - 1)))
    print("# rounds=%d iters=%d; medians over rounds; machine: %d cores" % (a.rounds, a.iters, os.cpu_count()))


if __name__ == "__main__":
    main()
