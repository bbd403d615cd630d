package org.bgan.data.images;

/**
 * The Stacked MNIST protocol (VEEGAN, PacGAN): example i is three images of a grey dataset, chosen
 * uniformly at random (with replacement) by a generator seeded from (seed, i), used as its R, G and
 * B channels. The choice is a pure function of (seed, i): nothing is stored, and {@link
 * #components(int)} gives the three source indices (e.g. to look up the label triple, the mode).
 */
public final class StackedDataset implements ImageDataset {
  private final ByteImages base;
  private final long seed;
  private final int n;
  private final String description;

  /** Stacks {@code base} (1 channel); {@code n} examples, components drawn from all of base. */
  StackedDataset(ByteImages base, long seed, int n) {
    if (base.channels() != 1) {
      throw new IllegalArgumentException("stacking needs a grey dataset, got " + base.channels() + " channels");
    }
    this.base = base;
    this.seed = seed;
    this.n = n;
    this.description = "stacked " + base.describe().replaceFirst(": \\d+ x \\d+x\\d+x1.*$", "")
        + ": " + n + " x " + base.height() + "x" + base.width() + "x3 (channels drawn from " + base.size()
        + " images, seed " + seed + ")";
  }

  /** The indices in the base dataset of the R, G and B images of example i. */
  public int[] components(int i) {
    if (i < 0 || i >= n) {
      throw new IndexOutOfBoundsException("example " + i + " of " + n);
    }
    Rng r = new Rng(Rng.mix(seed ^ 0x5747ACCEDL, i));
    int m = base.size();
    return new int[] {r.nextInt(m), r.nextInt(m), r.nextInt(m)};
  }

  @Override
  public int size() {
    return n;
  }

  @Override
  public int height() {
    return base.height();
  }

  @Override
  public int width() {
    return base.width();
  }

  @Override
  public int channels() {
    return 3;
  }

  @Override
  public void copyTo(int index, float[] dst, int off) {
    int[] src = components(index);
    int pixels = base.height() * base.width();
    for (int ch = 0; ch < 3; ch++) {
      int s = src[ch];
      for (int p = 0; p < pixels; p++) {
        dst[off + p * 3 + ch] = ByteImages.TO_FLOAT[base.sample(s, p)];
      }
    }
  }

  @Override
  public String describe() {
    return description;
  }
}
