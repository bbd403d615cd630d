package org.bgan.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class InceptionScoreTest {
  @Test
  void agreesWithTheReferenceAlgorithm() throws IOException {
    // logits.npy: 53 x 7 float32. Expected from make_fixtures.py (float64 softmax, splits of rows
    // [k*N//s, (k+1)*N//s), marginal per split, natural log, np.std with ddof=0):
    // 10 splits: 1.7943735883955743 +- 0.21689196816619441; 3 splits: 2.0453906386049368 +- 0.076531855601612422
    try (NpyFloatFile logits = Fixtures.features("logits.npy")) {
      InceptionScore.Result r = InceptionScore.compute(logits, false, 10);
      assertThat(r.mean()).isCloseTo(1.7943735883955743, within(1e-12));
      assertThat(r.std()).isCloseTo(0.21689196816619441, within(1e-12));
      InceptionScore.Result r3 = InceptionScore.compute(logits, false, 3);
      assertThat(r3.mean()).isCloseTo(2.0453906386049368, within(1e-12));
      assertThat(r3.std()).isCloseTo(0.076531855601612422, within(1e-12));
    }
  }

  @Test
  void probabilitiesAndLimitCases() {
    // one-hot predictions spread evenly over K classes give IS = K; identical predictions give 1
    int k = 4;
    float[] p = new float[8 * k];
    for (int i = 0; i < 8; i++) {
      p[i * k + i % k] = 1f;
    }
    assertThat(InceptionScore.compute(FloatRows.of(p, 8, k), true, 2).mean()).isCloseTo(4.0, within(1e-12));
    float[] same = new float[8 * k];
    java.util.Arrays.fill(same, 0.25f);
    assertThat(InceptionScore.compute(FloatRows.of(same, 8, k), true, 1).mean()).isCloseTo(1.0, within(1e-12));
    assertThatThrownBy(() -> InceptionScore.compute(FloatRows.of(same, 8, k), true, 10))
        .isInstanceOf(MetricInputException.class).hasMessageContaining("at least 10 images");
  }
}
