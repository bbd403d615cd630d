#!/usr/bin/python3
"""FID from two .npz statistics files with scipy.linalg.sqrtm, as the reference FID implementations
compute it (float64; 1e-6*I added when the square root is not finite; real part kept). The Python peer
of `tools/inception-score bench --what fid`. Prints one key=value line per measurement.
Usage: /usr/bin/python3 tools/bench/fid_scipy.py A.npz B.npz [--repeats 3] [--threads 2]
"""
import argparse
import ctypes
import sys
import time


def set_blas_threads(n):
    for name in ("libopenblas.so.0", "libopenblas.so", "libblas.so.3"):
        try:
            ctypes.CDLL(name).openblas_set_num_threads(n)
            return
        except (OSError, AttributeError):
            continue


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    set_blas_threads(args.threads)
    try:
        import numpy as np
        import scipy.linalg
    except ImportError as e:
        print("# %s is not installed (apt-get install python3-scipy): no scipy peer" % e.name, file=sys.stderr)
        sys.exit(3)
    a = np.load(args.a)
    b = np.load(args.b)
    m1, s1, m2, s2 = a["mu"], a["sigma"], b["mu"], b["sigma"]

    def fid():
        covmean, _ = scipy.linalg.sqrtm(s1.dot(s2), disp=False)
        if not np.isfinite(covmean).all():
            off = np.eye(s1.shape[0]) * 1e-6
            covmean = scipy.linalg.sqrtm((s1 + off).dot(s2 + off))
        covmean = covmean.real
        d = m1 - m2
        return d.dot(d) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean)

    def fid_eigh():
        # the symmetric route in numpy/LAPACK: eigenvalues of sqrt(S1) S2 sqrt(S1)
        w, v = np.linalg.eigh(s1)
        r = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
        ev = np.linalg.eigvalsh(r @ s2 @ r)
        d = m1 - m2
        return d.dot(d) + np.trace(s1) + np.trace(s2) - 2 * np.sqrt(np.clip(ev, 0, None)).sum()

    for name, f in (("scipy-sqrtm", fid), ("numpy-eigh", fid_eigh)):
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            value = f()
            times.append(time.perf_counter() - t0)
        times.sort()
        print("bench=fid impl=%s dim=%d threads=%d median_s=%.3f min_s=%.3f fid=%.10g repeats=%d"
              % (name, len(m1), args.threads, times[len(times) // 2], times[0], value, args.repeats), flush=True)


if __name__ == "__main__":
    main()
