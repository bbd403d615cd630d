package org.bgan.serve;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Encodes 8-bit images (height × width × channels, row-major, as a generator's {@code images}
 * output) as PNG: 1 channel → greyscale, 2 → grey + alpha, 3 → RGB, 4 → RGBA. No filtering,
 * one IDAT chunk (PNG specification, ISO/IEC 15948).
 */
final class PngEncoder {
  private static final byte[] SIGNATURE = {(byte) 137, 80, 78, 71, 13, 10, 26, 10};

  private PngEncoder() {}

  /** PNG colour type for a channel count, or -1 when PNG has none. */
  static int colourType(int channels) {
    switch (channels) {
      case 1:
        return 0;
      case 2:
        return 4;
      case 3:
        return 2;
      case 4:
        return 6;
      default:
        return -1;
    }
  }

  /**
   * @param pixels {@code height * width * channels} bytes starting at {@code offset}
   */
  static byte[] encode(byte[] pixels, int offset, int height, int width, int channels) {
    int colour = colourType(channels);
    if (colour < 0 || height <= 0 || width <= 0) {
      throw new IllegalArgumentException(
          "cannot encode a " + height + "x" + width + "x" + channels + " image as PNG");
    }
    int stride = width * channels;
    byte[] raw = new byte[height * (stride + 1)];
    for (int y = 0; y < height; y++) {
      // filter type 0 (None) leads each scanline; the array is already zero there
      System.arraycopy(pixels, offset + y * stride, raw, y * (stride + 1) + 1, stride);
    }
    Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION);
    ByteArrayOutputStream zipped = new ByteArrayOutputStream(raw.length / 2 + 64);
    try {
      deflater.setInput(raw);
      deflater.finish();
      byte[] buf = new byte[8192];
      while (!deflater.finished()) {
        int n = deflater.deflate(buf);
        zipped.write(buf, 0, n);
      }
    } finally {
      deflater.end();
    }
    byte[] header = new byte[13];
    putInt(header, 0, width);
    putInt(header, 4, height);
    header[8] = 8; // bit depth
    header[9] = (byte) colour;
    // compression, filter and interlace methods: 0
    ByteArrayOutputStream out = new ByteArrayOutputStream(zipped.size() + 64);
    out.write(SIGNATURE, 0, SIGNATURE.length);
    chunk(out, "IHDR", header);
    chunk(out, "IDAT", zipped.toByteArray());
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
    byte[] four = new byte[4];
    putInt(four, 0, data.length);
    out.write(four, 0, 4);
    out.write(typeBytes, 0, 4);
    out.write(data, 0, data.length);
    CRC32 crc = new CRC32();
    crc.update(typeBytes);
    crc.update(data);
    putInt(four, 0, (int) crc.getValue());
    out.write(four, 0, 4);
  }

  private static void putInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }
}
