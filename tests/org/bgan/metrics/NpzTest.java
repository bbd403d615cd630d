package org.bgan.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpzTest {
  @TempDir Path tmp;

  @Test
  void readsNumpySavezCompressedAndSavez() throws IOException {
    // stats_a.npz: np.savez_compressed(mu=..., sigma=...) of feats_a (ZIP64 extra fields, deflated);
    // stats_a_uncompressed.npz: np.savez (stored). Values: np.mean / np.cov in float64, printed by
    // make_fixtures.py: trace(sigma) = 65.33193695657738, sigma[0,1] = 2.5470369107712489,
    // mu[3] = 0.73543646894395354.
    for (String name : new String[] {"stats_a.npz", "stats_a_uncompressed.npz"}) {
      ActivationStats s = ActivationStats.load(Fixtures.path(name));
      assertThat(s.dim()).isEqualTo(8);
      double tr = 0;
      for (int i = 0; i < 8; i++) {
        tr += s.sigma()[i * 8 + i];
      }
      assertThat(tr).isCloseTo(65.33193695657738, org.assertj.core.data.Offset.offset(1e-12));
      assertThat(s.sigma()[1]).isEqualTo(2.5470369107712489);
      assertThat(s.mu()[3]).isEqualTo(0.73543646894395354);
    }
  }

  @Test
  void ourStatisticsMatchNumpysAndOurFileHoldsNumpysBytes() throws IOException {
    ActivationStats numpy = ActivationStats.load(Fixtures.path("stats_a.npz"));
    ActivationStats ours = Fixtures.stats(Fixtures.features("feats_a.npy"));
    for (int i = 0; i < 64; i++) {
      assertThat(ours.sigma()[i]).isCloseTo(numpy.sigma()[i], org.assertj.core.data.Offset.offset(1e-12));
    }
    Path out = tmp.resolve("ours.npz");
    numpy.save(out);
    // the members of our archive are byte-identical to the .npy members numpy wrote
    try (ZipFile theirs = new ZipFile(Fixtures.path("stats_a.npz").toFile());
        ZipFile mine = new ZipFile(out.toFile())) {
      for (String member : new String[] {"mu.npy", "sigma.npy"}) {
        try (InputStream a = theirs.getInputStream(theirs.getEntry(member));
            InputStream b = mine.getInputStream(mine.getEntry(member))) {
          assertThat(b.readAllBytes()).isEqualTo(a.readAllBytes());
        }
        assertThat(mine.getEntry(member).getMethod()).isEqualTo(java.util.zip.ZipEntry.DEFLATED);
      }
    }
    Map<String, NpyArray> back = Npz.read(out);
    assertThat(back.keySet()).containsExactly("mu", "sigma");
    assertThatThrownBy(() -> numpy.save(out)).isInstanceOf(MetricInputException.class)
        .hasMessageContaining("refusing to overwrite");
  }

  /**
   * Statistics files with other arrays beside mu and sigma (a model name saved as a numpy string) load:
   * they were refused with "unsupported numpy dtype '<U14'", though the reference code reads them.
   */
  @Test
  void otherArraysOfUnsupportedTypesAreIgnored() throws IOException {
    Path file = tmp.resolve("extra.npz");
    String dict = "{'descr': '<U14', 'fortran_order': False, 'shape': (), }";
    byte[] d = (dict + " ".repeat(128 - 10 - dict.length() - 1) + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] name = new byte[10 + d.length + 56];
    byte[] magic = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) d.length, 0};
    System.arraycopy(magic, 0, name, 0, 10);
    System.arraycopy(d, 0, name, 10, d.length);
    try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(java.nio.file.Files.newOutputStream(file))) {
      z.putNextEntry(new java.util.zip.ZipEntry("name.npy"));
      z.write(name);
      z.putNextEntry(new java.util.zip.ZipEntry("mu.npy"));
      z.write(Npy.toBytes(NpyArray.ofDoubles(new double[] {1, 2}, 2)));
      z.putNextEntry(new java.util.zip.ZipEntry("sigma.npy"));
      z.write(Npy.toBytes(NpyArray.ofDoubles(new double[] {2, 1, 1, 3}, 2, 2)));
    }
    ActivationStats s = ActivationStats.load(file);
    assertThat(s.mu()).containsExactly(1, 2);
    assertThat(s.sigma()).containsExactly(2, 1, 1, 3);
    assertThat(ActivationStats.savedModel(file)).isNull();
    assertThat(Npz.keys(file)).containsExactly("name", "mu", "sigma");
    // asked for everything, the string array is still refused with a message naming it
    assertThatThrownBy(() -> Npz.read(file)).isInstanceOf(MetricInputException.class)
        .hasMessageContaining("extra.npz[name.npy]: unsupported numpy dtype '<U14'");
  }

  @Test
  void missingKeysAndMismatchedShapesAreNamed() {
    assertThatThrownBy(() -> ActivationStats.load(Fixtures.path("stats_missing_sigma.npz")))
        .isInstanceOf(MetricInputException.class)
        .hasMessageContaining("stats_missing_sigma.npz").hasMessageContaining("'sigma'")
        .hasMessageContaining("it has mu");
    assertThatThrownBy(() -> ActivationStats.load(Fixtures.path("stats_bad_shape.npz")))
        .isInstanceOf(MetricInputException.class)
        .hasMessageContaining("'sigma' must be 8x8").hasMessageContaining("(7, 7)");
    assertThatThrownBy(() -> ActivationStats.load(Fixtures.path("feats_a.npy")))
        .isInstanceOf(MetricInputException.class).hasMessageContaining("not a readable .npz");
    assertThatThrownBy(() -> ActivationStats.load(tmp.resolve("nope.npz")))
        .isInstanceOf(MetricInputException.class).hasMessageContaining("no such file");
  }
}
