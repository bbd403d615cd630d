package org.bgan.data;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** Real samples for training, drawn inside the graph from a stateless seed. */
public interface RealSource {
  /** A batch of real samples, shape [batchSize, sampleShape...], drawn with {@code seed}. */
  Operand<TFloat32> batch(Ops tf, Operand<TInt64> seed, int batchSize);

  /**
   * True when batches come from outside the graph (fed into the model's real-batch placeholder each
   * run) instead of {@link #batch}.
   */
  default boolean fed() {
    return false;
  }

  /** The shape of one sample, e.g. {2} for 2-D points, {H, W, C} for images. */
  long[] sampleShape();
}
