package org.bgan.metrics;

import java.io.IOException;
import java.nio.file.Path;

/** Paths of the numpy-made fixtures (see fixtures/make_fixtures.py); tests run from the project root. */
final class Fixtures {
  static final Path DIR = Path.of("tests", "org", "bgan", "metrics", "fixtures");

  private Fixtures() {}

  static Path path(String name) {
    return DIR.resolve(name);
  }

  static NpyFloatFile features(String name) throws IOException {
    return NpyFloatFile.open(path(name));
  }

  static ActivationStats stats(FloatRows rows) {
    MomentAccumulator acc = new MomentAccumulator(rows.cols());
    float[] buf = new float[rows.cols()];
    for (int r = 0; r < rows.rows(); r++) {
      rows.row(r, buf, 0);
      acc.add(buf, 0, 1);
    }
    return acc.toStats();
  }
}
