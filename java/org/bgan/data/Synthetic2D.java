package org.bgan.data;

import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.StdArrays;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The synthetic 2-D mixtures of the VEEGAN/PacGAN protocol (SPEC §7): 2D-ring (8 Gaussians on the
 * unit circle at angles 2πk/8, std 0.01) and 2D-grid (25 Gaussians at {−4,−2,0,2,4}², std 0.05).
 * A fixed training set of {@code trainSize} points is drawn once from a seeded generator and
 * minibatches are sampled from it uniformly with replacement.
 */
public final class Synthetic2D implements RealSource {
  public enum Kind { RING, GRID }

  private final Kind kind;
  private final float[][] modes;
  private final double std;
  private final float[][] train;
  private final java.util.Map<org.tensorflow.ExecutionEnvironment, Operand<TFloat32>> constants =
      new java.util.WeakHashMap<>();

  public Synthetic2D(Kind kind, int trainSize, long seed) {
    if (trainSize < 1) {
      throw new IllegalArgumentException("train_size must be positive, got " + trainSize);
    }
    this.kind = kind;
    this.modes = modes(kind);
    this.std = std(kind);
    this.train = sample(trainSize, new Random(seed));
  }

  public static float[][] modes(Kind kind) {
    if (kind == Kind.RING) {
      float[][] m = new float[8][2];
      for (int k = 0; k < 8; k++) {
        double a = 2 * Math.PI * k / 8;
        m[k][0] = (float) Math.cos(a);
        m[k][1] = (float) Math.sin(a);
      }
      return m;
    }
    float[][] m = new float[25][2];
    int i = 0;
    for (int x = -4; x <= 4; x += 2) {
      for (int y = -4; y <= 4; y += 2) {
        m[i][0] = x;
        m[i][1] = y;
        i++;
      }
    }
    return m;
  }

  public static double std(Kind kind) {
    return kind == Kind.RING ? 0.01 : 0.05;
  }

  /** {@code n} points from the mixture (uniform over modes). */
  public float[][] sample(int n, Random rng) {
    float[][] out = new float[n][2];
    for (int i = 0; i < n; i++) {
      float[] c = modes[rng.nextInt(modes.length)];
      out[i][0] = (float) (c[0] + std * rng.nextGaussian());
      out[i][1] = (float) (c[1] + std * rng.nextGaussian());
    }
    return out;
  }

  public Kind kind() {
    return kind;
  }

  public float[][] modes() {
    return modes;
  }

  public double std() {
    return std;
  }

  public float[][] trainingSet() {
    return train;
  }

  @Override
  public Operand<TFloat32> batch(Ops tf, Operand<TInt64> seed, int batchSize) {
    Ops s = tf.withSubScope("RealBatch");
    Operand<TFloat32> data = trainingSetConstant(tf);
    Operand<TInt64> idx = s.random.statelessRandomUniformInt(
        s.constant(new int[] {batchSize}), seed, s.constant(0L), s.constant((long) train.length));
    return s.gather(data, idx, s.constant(0));
  }

  /** The training set as one constant per graph, shared by every batch drawn in that graph. */
  private Operand<TFloat32> trainingSetConstant(Ops tf) {
    synchronized (constants) {
      return constants.computeIfAbsent(tf.scope().env(),
          env -> Ops.create(env).withName("training_set").constant(StdArrays.ndCopyOf(train)));
    }
  }

  @Override
  public long[] sampleShape() {
    return new long[] {2};
  }
}
