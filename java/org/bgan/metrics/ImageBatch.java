package org.bgan.metrics;

/**
 * A batch of same-size 8-bit RGB images: {@code count × height × width × 3} bytes, row-major, channel
 * last (the NHWC layout TensorFlow uses).
 */
public record ImageBatch(int count, int height, int width, byte[] rgb) {
  public ImageBatch {
    if ((long) count * height * width * 3 != rgb.length) {
      throw new IllegalArgumentException("rgb has " + rgb.length + " bytes, expected " + count + "x"
          + height + "x" + width + "x3");
    }
  }
}
