package org.bgan.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.bgan.data.Synthetic2D;
import org.junit.jupiter.api.Test;

/** SPEC §7 metrics against counts and KLs worked out by hand. */
class ModeCoverageTest {
  private static final float[][] RING = Synthetic2D.modes(Synthetic2D.Kind.RING);

  @Test
  void countsHighQualitySamplesModesAndReverseKl() {
    // std 0.01: within 3 std = 0.03 of a centre is high quality.
    float[][] s = {
      {1.0f, 0.02f}, {0.99f, 0f}, // mode 0 (angle 0), both high quality
      {0f, 1.02f},                // mode 2 (angle π/2)
      {0f, 1.05f},                // 0.05 from mode 2: not high quality
      {0.5f, 0.5f},               // between modes
    };
    ModeCoverage m = ModeCoverage.evaluate(s, RING, 0.01);
    assertThat(m.modesCaptured()).isEqualTo(2);
    assertThat(m.highQualityFraction()).isCloseTo(3.0 / 5, within(1e-12));
    // q = (2/3, 1/3) over K = 8 modes: KL = 2/3 ln(8·2/3) + 1/3 ln(8/3).
    assertThat(m.reverseKl()).isCloseTo(2.0 / 3 * Math.log(16.0 / 3) + 1.0 / 3 * Math.log(8.0 / 3), within(1e-12));
    assertThat(m.histogram()[0]).isEqualTo(2);
    assertThat(m.histogram()[2]).isEqualTo(1);
  }

  @Test
  void uniformOverAllModesHasZeroKlAndEmptyHasNone() {
    ModeCoverage all = ModeCoverage.evaluate(RING, RING, 0.01);
    assertThat(all.modesCaptured()).isEqualTo(8);
    assertThat(all.reverseKl()).isCloseTo(0, within(1e-12));
    assertThat(all.highQualityFraction()).isEqualTo(1.0);
    ModeCoverage none = ModeCoverage.evaluate(new float[][] {{3f, 3f}}, RING, 0.01);
    assertThat(none.modesCaptured()).isZero();
    assertThat(none.toMap().get("reverse_kl")).isNull();
    assertThat(none.toString()).contains("n/a");
  }

  @Test
  void gridHasTwentyFiveModesOnTheLattice() {
    float[][] g = Synthetic2D.modes(Synthetic2D.Kind.GRID);
    assertThat(g).hasNumberOfRows(25);
    assertThat(g[0]).containsExactly(-4f, -4f);
    assertThat(g[24]).containsExactly(4f, 4f);
    assertThat(Synthetic2D.std(Synthetic2D.Kind.GRID)).isEqualTo(0.05);
    assertThat(RING[2][0]).isCloseTo(0f, within(1e-6f));
    assertThat(RING[2][1]).isCloseTo(1f, within(1e-6f));
  }
}
