#!/usr/bin/env python3
"""Side-by-side training throughput: this toolkit vs the PyTorch peer, on one of the peer's workloads.

Alternates, round by round, `tools/bgan bench --workload W` and the peer `peer_torch.py --workload W`
(from the shared bench folder beside the project) at the given thread counts, for gan/bgan/mbgan with
sample reuse on and off (the peer's --reuse), and prints the medians over rounds and the ratios.
mlp2d: batch 100, 5 D steps + 1 G step per iteration; dcgan28 and sncnn32: batch 64, 1 + 1 (both
sides as the peer defines them, gamma 0.5). The peer runs with OMP_WAIT_POLICY=PASSIVE (its best
2-thread setting) through Debian's /usr/bin/python3.

usage: python3 tools/bench/vs_torch.py [--workload mlp2d|dcgan28|sncnn32] [--rounds 3] [--peer PATH]
                                       [--threads 1,2] [--iters N] [--reuse on,off] [--allow-reference-blas]

Each measurement is printed to stderr as it comes (so an interrupted run keeps what it measured); the
table of medians goes to stdout at the end. It refuses to run when the peer's PyTorch has no OpenBLAS.
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


def check_peer_blas(peer, env):
    """Debian's python3-torch runs its float32 matrix products through whatever libblas.so.3 the system
    provides; with only the reference BLAS (libblas3) installed they run ~20x below the core's peak and
    the ratios would measure that, not the peer. The peer prints openblas=yes|no in its header."""
    p = subprocess.run(["/usr/bin/python3", peer, "--workload", "mlp2d", "--disc", "gan", "--threads", "1",
                        "--iters", "1"], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        raise SystemExit("the peer failed to start: %s (is python3-torch installed? apt-get install python3-torch)" % peer)
    header = next((l for l in (p.stdout + p.stderr).splitlines() if l.startswith("# peer_torch.py")), "")
    if "openblas=no" in header:
        raise SystemExit("the peer's PyTorch found no OpenBLAS (only the reference BLAS): its matrix products would "
                         "run far below this machine's peak and the comparison would be meaningless; "
                         "install it (apt-get install libopenblas0-pthread) or pass --allow-reference-blas")


def record(table, side, row, reuse, r):
    """Files one measurement under (disc, threads, reuse; "-" for the standard GAN) and prints it to stderr."""
    key = (row["disc"], int(row["threads"]), reuse if row["disc"] != "gan" else "-")
    table.setdefault(key, []).append(row)
    print("# round %d %-5s %s reuse=%s threads=%d: %s it/s" % (r + 1, side, key[0], key[2], key[1], row["iters_per_s"]),
          file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--workload", default="mlp2d", choices=["mlp2d", "dcgan28", "sncnn32"])
    ap.add_argument("--reuse", default="on,off", help="sample reuse settings to run: on,off (default), on, or off")
    ap.add_argument("--iters", type=int, default=None, help="timed iterations (default: the peer's for the workload)")
    ap.add_argument("--peer", default=os.path.join(ROOT, "..", "shared", "bench", "peer_torch.py"))
    ap.add_argument("--allow-reference-blas", action="store_true",
                    help="run even when the peer's PyTorch has no OpenBLAS (the ratios are then not meaningful)")
    a = ap.parse_args()
    if not os.path.isfile(a.peer):
        raise SystemExit("peer benchmark not found: %s (pass --peer PATH)" % a.peer)
    if not os.path.isfile("/usr/bin/python3"):
        raise SystemExit("/usr/bin/python3 (Debian's, with python3-torch) is needed for the peer")
    if a.iters is None:
        a.iters = {"mlp2d": 50, "dcgan28": 20, "sncnn32": 10}[a.workload]
    ours, peer = {}, {}
    penv = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    if not a.allow_reference_blas:
        check_peer_blas(a.peer, penv)
    for r in range(a.rounds):
        for reuse in a.reuse.split(","):
            for row in run([os.path.join(ROOT, "tools", "bgan"), "bench", "--workload", a.workload, "--threads", a.threads,
                            "--reuse", reuse, "--rounds", "1", "--iters", str(a.iters),
                            "--disc", "gan,bgan,mbgan,bgan-noeq,mbgan-noeq"]):
                record(ours, "ours", row, reuse, r)
            cmd = ["/usr/bin/python3", a.peer, "--workload", a.workload, "--disc", "all", "--threads", a.threads,
                   "--iters", str(a.iters)] + (["--reuse"] if reuse == "on" else [])
            for row in run(cmd, penv):
                record(peer, "peer", row, reuse, r)
        print("# round %d/%d done" % (r + 1, a.rounds), file=sys.stderr, flush=True)

    def med(rows, f):
        return statistics.median(float(x[f]) for x in rows)

    print("| disc | reuse | threads | this toolkit it/s | PyTorch it/s | ratio | D steps/s (ours) |")
    print("|---|---|---|---|---|---|---|")
    for key in sorted(ours, key=lambda k: (k[1], k[2], ["gan", "bgan", "mbgan", "bgan-noeq", "mbgan-noeq"].index(k[0]))):
        if key not in peer:
            continue
        o, p = med(ours[key], "iters_per_s"), med(peer[key], "iters_per_s")
        print("| %s | %s | %d | %.2f | %.2f | %.2fx | %.1f |" % (key[0], key[2], key[1], o, p, o / p,
                                                              med(ours[key], "d_steps_per_s")))
    print()
    for key in sorted(peer):
        if "gflop_per_iter" in peer[key][0]:
            print("peer %s reuse=%s threads=%d: %s GFLOP per iteration (its FLOP convention)" % (
                key[0], key[2], key[1], peer[key][0]["gflop_per_iter"]))
    print()
    print("D-step cost of BGAN/M-BGAN relative to the standard GAN's (ours, medians; reuse on = both see 2B samples):")
    for t in sorted({k[1] for k in ours}):
        g = med(ours[("gan", t, "-")], "d_steps_per_s")
        for d in ("bgan", "mbgan"):
            for reuse in ("on", "off"):
                if (d, t, reuse) in ours:
                    x = med(ours[(d, t, reuse)], "d_steps_per_s")
                    print("  threads=%d %s reuse=%s: %+.1f%%" % (t, d, reuse, 100 * (g / x - 1)))
    print()
    print("D-step cost of the equivariant discriminator relative to a per-sample one with the same loss and")
    print("mixed batches (ours, medians; the -noeq rows have discriminator.equivariant=false):")
    for t in sorted({k[1] for k in ours}):
        for d in ("bgan", "mbgan"):
            for reuse in ("on", "off"):
                if (d, t, reuse) in ours and (d + "-noeq", t, reuse) in ours:
                    x = med(ours[(d, t, reuse)], "d_steps_per_s")
                    y = med(ours[(d + "-noeq", t, reuse)], "d_steps_per_s")
                    print("  threads=%d %s reuse=%s: %+.1f%%" % (t, d, reuse, 100 * (y / x - 1)))
    print("# workload=%s rounds=%d iters=%d; medians over rounds; machine: %d cores" % (a.workload, a.rounds, a.iters,
                                                                                         os.cpu_count()))


if __name__ == "__main__":
    main()
