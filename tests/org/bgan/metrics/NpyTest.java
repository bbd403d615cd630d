package org.bgan.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
  @TempDir Path tmp;

  @Test
  void writesTheSameBytesAsNumpy() throws IOException {
    // feats_a.npy was written by np.save for a float32 (60, 8) array: our encoding of the same values
    // must be byte-identical (header dictionary, 21-digit growth padding, 64-byte alignment).
    byte[] numpy = Files.readAllBytes(Fixtures.path("feats_a.npy"));
    NpyArray a = Npy.read(new ByteArrayInputStream(numpy), "feats_a.npy");
    assertThat(a.descr()).isEqualTo("<f4");
    assertThat(a.shape()).containsExactly(60, 8);
    assertThat(Npy.toBytes(a)).isEqualTo(numpy);
    assertThat(numpy.length % 64).isEqualTo(2048 % 64);
    assertThat(Npy.header("<f4", new int[] {60, 8}).length % 64).isZero();
  }

  @Test
  void headerMatchesNumpyLiterally() {
    // np.save of np.zeros(3): b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }"
    // followed by 20 + 39 spaces and '\n' (128 bytes in total)
    byte[] h = Npy.header("<f8", new int[] {3});
    assertThat(h.length).isEqualTo(128);
    String s = new String(h, 10, h.length - 10, java.nio.charset.StandardCharsets.ISO_8859_1);
    assertThat(s).startsWith("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }").endsWith(" \n");
    assertThat(h[8] & 0xff).isEqualTo(118);
  }

  @Test
  void readsFortranOrderAndBigEndian() throws IOException {
    NpyArray f = Npy.read(Files.newInputStream(Fixtures.path("fortran_f8.npy")), "f");
    // np.arange(6).reshape(2, 3) / 7 stored in Fortran order
    assertThat(f.shape()).containsExactly(2, 3);
    double[] v = f.toDoubles();
    for (int i = 0; i < 6; i++) {
      assertThat(v[i]).isEqualTo(i / 7.0);
    }
    NpyArray b = Npy.read(Files.newInputStream(Fixtures.path("bigendian_f4.npy")), "b");
    float[] w = b.toFloats();
    assertThat(b.shape()).containsExactly(3, 2);
    for (int i = 0; i < 6; i++) {
      assertThat(w[i]).isEqualTo(i / 3.0f);
    }
  }

  @Test
  void streamingWriterRewritesTheRowCount() throws IOException {
    Path out = tmp.resolve("f.npy");
    float[] data = new float[5 * 3];
    for (int i = 0; i < data.length; i++) {
      data[i] = i * 0.25f;
    }
    try (NpyFloatFile.Writer w = new NpyFloatFile.Writer(out, 3)) {
      w.append(data, 2);
      float[] rest = java.util.Arrays.copyOfRange(data, 6, 15);
      w.append(rest, 3);
      w.commit(false);
    }
    assertThat(Files.readAllBytes(out)).isEqualTo(Npy.toBytes(NpyArray.ofFloats(data, 5, 3)));
    try (NpyFloatFile f = NpyFloatFile.open(out)) {
      float[] row = new float[3];
      f.row(4, row, 0);
      assertThat(row).containsExactly(3.0f, 3.25f, 3.5f);
    }
    assertThatThrownBy(() -> new NpyFloatFile.Writer(out, 3)).isInstanceOf(MetricInputException.class)
        .hasMessageContaining("already exists");
  }

  @Test
  void rejectsNonNpyAndTruncatedFiles() throws IOException {
    Path junk = tmp.resolve("junk.npy");
    Files.writeString(junk, "hello, world");
    assertThatThrownBy(() -> NpyFloatFile.open(junk)).isInstanceOf(MetricInputException.class)
        .hasMessageContaining("not a .npy file");
    Path cut = tmp.resolve("cut.npy");
    byte[] full = Files.readAllBytes(Fixtures.path("feats_a.npy"));
    Files.write(cut, java.util.Arrays.copyOf(full, full.length - 10));
    assertThatThrownBy(() -> NpyFloatFile.open(cut)).isInstanceOf(MetricInputException.class)
        .hasMessageContaining("truncated");
    // the magic bytes, then a header length past the end of the file: was a bare EOFException
    Path shortHeader = tmp.resolve("short-header.npy");
    Files.write(shortHeader, "\u0093NUMPY\u0001\u0000garbage".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    assertThatThrownBy(() -> NpyFloatFile.open(shortHeader)).isInstanceOf(MetricInputException.class)
        .hasMessage(shortHeader + ": not a .npy file (truncated header)");
  }

  /** A header numpy can write but the scorer cannot use: the message names the file (it did not). */
  @Test
  void unsupportedDtypeAndBadShapeNameTheFile() throws IOException {
    Path obj = tmp.resolve("objects.npy");
    Files.write(obj, header("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"));
    assertThatThrownBy(() -> NpyFloatFile.open(obj)).isInstanceOf(MetricInputException.class)
        .hasMessageStartingWith(obj + ": unsupported numpy dtype '|O'");
    Path shape = tmp.resolve("shape.npy");
    Files.write(shape, header("{'descr': '<f4', 'fortran_order': False, 'shape': (3, x), }"));
    assertThatThrownBy(() -> NpyFloatFile.open(shape)).isInstanceOf(MetricInputException.class)
        .hasMessage(shape + ": unreadable .npy shape (3, x)");
  }

  private static byte[] header(String dict) {
    byte[] d = (dict + "\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    byte[] out = new byte[10 + d.length];
    byte[] magic = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) d.length, 0};
    System.arraycopy(magic, 0, out, 0, 10);
    System.arraycopy(d, 0, out, 10, d.length);
    return out;
  }
}
