package org.bgan.data.images;

/**
 * Separable resampling of 8-bit HWC images, written for this package. Along each axis: when
 * shrinking, area averaging (each output sample is the mean of the source samples it covers,
 * weighted by the covered fraction: exact 2x2 means for 96 -> 48, anti-aliased for any ratio); when
 * enlarging, bilinear interpolation with pixel centres aligned (TF's {@code half_pixel_centers},
 * edges clamped). Results are rounded to the nearest integer.
 */
final class Resize {
  private Resize() {}

  /** Taps of one axis: output i reads src[first[i] + t] with weight[i * taps + t], t < taps. */
  private record Axis(int taps, int[] first, float[] weight) {}

  private static Axis axis(int src, int dst) {
    double scale = (double) src / dst;
    if (dst < src) {
      int taps = (int) Math.ceil(scale) + 1;
      int[] first = new int[dst];
      float[] wt = new float[dst * taps];
      for (int i = 0; i < dst; i++) {
        double x0 = i * scale;
        double x1 = Math.min(src, (i + 1) * scale);
        int j0 = (int) Math.floor(x0);
        for (int j = j0; j < x1 && j < src; j++) {
          double overlap = Math.min(x1, j + 1) - Math.max(x0, j);
          if (overlap > 0) {
            wt[i * taps + (j - j0)] = (float) (overlap / scale);
          }
        }
        first[i] = j0;
      }
      return new Axis(taps, first, wt);
    }
    int[] first = new int[dst];
    float[] wt = new float[dst * 2];
    for (int i = 0; i < dst; i++) {
      double centre = (i + 0.5) * scale - 0.5;
      if (centre <= 0) {
        first[i] = 0;
        wt[i * 2] = 1f;
      } else if (centre >= src - 1) {
        first[i] = src - 1;
        wt[i * 2] = 1f;
      } else {
        int j0 = (int) Math.floor(centre);
        float frac = (float) (centre - j0);
        first[i] = j0;
        wt[i * 2] = 1f - frac;
        wt[i * 2 + 1] = frac;
      }
    }
    return new Axis(2, first, wt);
  }

  /**
   * Resizes {@code src} (sh x sw x c, HWC, unsigned bytes) to dh x dw x c. Returns src itself when the
   * size does not change.
   */
  static byte[] resize(byte[] src, int sh, int sw, int c, int dh, int dw) {
    if (sh == dh && sw == dw) {
      return src;
    }
    Axis ax = axis(sw, dw);
    Axis ay = axis(sh, dh);
    // horizontal pass: sh x dw x c floats
    float[] tmp = new float[sh * dw * c];
    for (int y = 0; y < sh; y++) {
      int row = y * sw * c;
      for (int x = 0; x < dw; x++) {
        int o = (y * dw + x) * c;
        for (int t = 0; t < ax.taps; t++) {
          float wgt = ax.weight[x * ax.taps + t];
          int j = ax.first[x] + t;
          if (wgt == 0f || j >= sw) {
            continue;
          }
          int s = row + j * c;
          for (int ch = 0; ch < c; ch++) {
            tmp[o + ch] += wgt * (src[s + ch] & 0xff);
          }
        }
      }
    }
    // vertical pass
    byte[] out = new byte[dh * dw * c];
    float[] acc = new float[dw * c];
    for (int y = 0; y < dh; y++) {
      java.util.Arrays.fill(acc, 0f);
      for (int t = 0; t < ay.taps; t++) {
        float wgt = ay.weight[y * ay.taps + t];
        int j = ay.first[y] + t;
        if (wgt == 0f || j >= sh) {
          continue;
        }
        int s = j * dw * c;
        for (int k = 0; k < dw * c; k++) {
          acc[k] += wgt * tmp[s + k];
        }
      }
      int o = y * dw * c;
      for (int k = 0; k < dw * c; k++) {
        int v = Math.round(acc[k]);
        out[o + k] = (byte) (v < 0 ? 0 : (v > 255 ? 255 : v));
      }
    }
    return out;
  }

  /** The centred square crop (side min(h, w), offsets floor((h - s) / 2), floor((w - s) / 2)) of an HWC image. */
  static byte[] centreCrop(byte[] src, int h, int w, int c) {
    if (h == w) {
      return src;
    }
    int s = Math.min(h, w);
    int y0 = (h - s) / 2;
    int x0 = (w - s) / 2;
    byte[] out = new byte[s * s * c];
    for (int y = 0; y < s; y++) {
      System.arraycopy(src, ((y0 + y) * w + x0) * c, out, y * s * c, s * c);
    }
    return out;
  }
}
