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
import sys
import time


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
    import torch
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
        t0 = time.perf_counter()
        while done < args.images:
            model(x)
            done += args.batch
        secs = time.perf_counter() - t0
    print("bench=images impl=torch-%s model=torchvision_inception_v3 batch=%d threads=%d images=%d secs=%.2f "
          "images_per_s=%.2f bn_fused=%d" % (torch.__version__, args.batch, args.threads, done, secs,
                                             done / secs, int(fused)), flush=True)


if __name__ == "__main__":
    main()
