#!/usr/bin/env python3
"""Summarise a tools/study2d directory: SPEC §7 metrics, mean ± standard error over seeds."""
import glob
import json
import math
import os
import sys

PUBLISHED = [  # PacGAN (Lin et al., NeurIPS 2018), Table 1: modes, % high quality, reverse KL
    ("ring", "GAN (PacGAN paper)", 6.3, 98.2, 0.45), ("ring", "PacGAN4 (PacGAN paper)", 7.8, 95.9, 0.07),
    ("grid", "GAN (PacGAN paper)", 17.3, 94.8, 0.70), ("grid", "PacGAN4 (PacGAN paper)", 24.8, 93.6, 0.04),
]


def mse(xs):
    m = sum(xs) / len(xs)
    if len(xs) < 2:
        return m, float("nan")
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))
    return m, sd / math.sqrt(len(xs))


def fmt(m, se, digits):
    return ("%.*f" % (digits, m)) + ("" if math.isnan(se) else " ± %.*f" % (digits, se))


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "runs/study2d"
    if not os.path.isdir(d):
        raise SystemExit("study2d: no study directory %s" % d)
    print("| preset | seeds | steps | modes | % high quality | reverse KL |")
    print("|---|---|---|---|---|---|")
    for pdir in sorted(glob.glob(os.path.join(d, "*"))):
        if not os.path.isdir(pdir):
            continue
        rows = []
        for f in sorted(glob.glob(os.path.join(pdir, "seed-*", "metrics.json"))):
            with open(f) as fh:
                rows.append(json.load(fh))
        if not rows:
            continue
        fin = [r["final"] for r in rows]
        kls = [x["reverse_kl"] for x in fin if x["reverse_kl"] is not None]
        steps = sorted({r["step"] for r in rows})
        kl = fmt(*mse(kls), 2) + ("" if len(kls) == len(fin) else " (%d run%s without high-quality samples left out)" % (len(fin) - len(kls), "" if len(fin) - len(kls) == 1 else "s")) if kls else "n/a"
        print("| %s | %d | %s | %s / %d | %s | %s |" % (
            os.path.basename(pdir), len(rows), ",".join(map(str, steps)),
            fmt(*mse([x["modes_captured"] for x in fin]), 1), fin[0]["modes"],
            fmt(*mse([x["high_quality_percent"] for x in fin]), 1), kl))
    for kind, name, m, hq, kl in PUBLISHED:
        print("| %s: %s | 10 | - | %.1f / %d | %.1f | %.2f |" % (kind, name, m, 8 if kind == "ring" else 25, hq, kl))


if __name__ == "__main__":
    main()
