package org.bgan.data.images;

import org.bgan.config.proto.Images;

/** TEMPORARY stand-in until the dataset branch merges: RANDOM only. */
public final class ImageDatasets {
  private ImageDatasets() {}

  public static ImageDataset open(Images cfg, long seed) {
    int size = resolvedSize(cfg);
    int ch = resolvedChannels(cfg);
    int n = cfg.getRandomExamples();
    java.util.Random r = new java.util.Random(seed);
    float[] data = new float[n * size * size * ch];
    for (int i = 0; i < data.length; i++) {
      data[i] = r.nextFloat() * 2 - 1;
    }
    return new ImageDataset() {
      public int size() { return n; }
      public int height() { return size; }
      public int width() { return size; }
      public int channels() { return ch; }
      public void copyTo(int index, float[] dst, int off) {
        System.arraycopy(data, index * size * size * ch, dst, off, size * size * ch);
      }
      public String describe() { return "RANDOM"; }
    };
  }

  public static int resolvedSize(Images cfg) {
    return cfg.getSize() > 0 ? cfg.getSize() : 32;
  }

  public static int resolvedChannels(Images cfg) {
    return cfg.getChannels();
  }
}
