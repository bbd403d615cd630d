package org.bgan.scorer;

/** One decoded image as 8-bit RGB, row-major, channel last. */
public record DecodedImage(int width, int height, byte[] rgb) {}
