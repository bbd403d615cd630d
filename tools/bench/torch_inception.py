#!/usr/bin/python3
"""Images/s through torchvision's Inception v3 (random weights, no auxiliary head, eval mode, batch
norm folded into the convolutions with torch.fx so that the peer runs its fastest inference form), on
299x299x3 float inputs: the PyTorch peer of `tools/inception-score bench --what images`.
Run with Debian's interpreter and OMP_WAIT_POLICY=PASSIVE (see shared/bench/README.md):
    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tools/bench/torch_inception.py --images 200 --batch 50 --threads 2
If torchvision is missing (Debian package python3-torchvision) it says so and exits with status 3.
"""
import argparse
import ctypes
import os
import sys
import time


def busy_ticks():
    """user + nice + system + irq + softirq ticks of all CPUs, from /proc/stat (None without /proc)."""
    try:
        with open("/proc/stat") as f:
            v = f.readline().split()
        return int(v[1]) + int(v[2]) + int(v[3]) + int(v[6]) + int(v[7])
    except (OSError, ValueError, IndexError):
        return None


def foreign_cpu(busy0, own0, wall):
    """CPU time of other processes during the interval, as a fraction of wall time x cores."""
    busy1 = busy_ticks()
    if busy0 is None or busy1 is None:
        return float("nan")
    hz = os.sysconf("SC_CLK_TCK")
    t = os.times()
    own = (t.user + t.system) - own0
    return max(0.0, ((busy1 - busy0) / hz - own) / (wall * os.cpu_count()))


def set_threads(n):
    import torch
    torch.set_num_threads(n)
    for name in ("libopenblas.so.0", "libopenblas.so", "libblas.so.3"):
        try:
            ctypes.CDLL(name).openblas_set_num_threads(n)
            return
        except (OSError, AttributeError):
            continue


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=200)
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-fuse", action="store_true", help="keep BatchNorm separate")
    args = ap.parse_args()
    try:
        import torch
    except ImportError:
        print("# torch is not installed (apt-get install python3-torch): no PyTorch peer", file=sys.stderr)
        sys.exit(3)
    try:
        import torchvision
    except ImportError:
        print("# torchvision is not installed (apt-get install python3-torchvision)", file=sys.stderr)
        sys.exit(3)
    set_threads(args.threads)
    torch.manual_seed(0)
    model = torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=True,
                                            transform_input=False).eval()
    fused = False
    if not args.no_fuse:
        try:
            from torch.fx.experimental.optimization import fuse
            model = fuse(model)
            fused = True
        except Exception as e:  # keep the unfused model if fx cannot trace it
            print("# conv-bn fusion failed: %s" % e, file=sys.stderr)
    x = torch.rand(args.batch, 3, 299, 299) * 2 - 1
    with torch.no_grad():
        model(x)  # warm-up
        done = 0
        busy0, t = busy_ticks(), os.times()
        own0 = t.user + t.system
        t0 = time.perf_counter()
        while done < args.images:
            model(x)
            done += args.batch
        secs = time.perf_counter() - t0
        foreign = foreign_cpu(busy0, own0, secs)
    print("bench=images impl=torch-%s torchvision-%s model=torchvision_inception_v3 batch=%d threads=%d images=%d "
          "secs=%.2f images_per_s=%.3f bn_fused=%d omp_wait=%s foreign_cpu=%.3f"
          % (torch.__version__, torchvision.__version__, args.batch, args.threads, done, secs, done / secs,
             int(fused), os.environ.get("OMP_WAIT_POLICY", "default"), foreign), flush=True)


if __name__ == "__main__":
    main()
