package org.bgan.data;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** Real samples for training, drawn inside the graph from a stateless seed. */
public interface RealSource {
  /** A batch of real samples, shape [batchSize, sampleShape...], drawn with {@code seed}. */
  Operand<TFloat32> batch(Ops tf, Operand<TInt64> seed, int batchSize);

  /** The shape of one sample, e.g. {2} for 2-D points. */
  long[] sampleShape();
}
