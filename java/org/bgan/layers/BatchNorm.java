package org.bgan.layers;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;

/**
 * Batch normalisation over N, H, W per channel (NHWC; for [N, F] features it normalises each of the
 * F features, like PyTorch's BatchNorm1d). In training mode it uses the batch's statistics and,
 * when the phase owns updates, moves the running averages ({@code moving = m·moving + (1−m)·batch},
 * m = 0.9, variance unbiased as in TF and PyTorch); in inference mode it uses the running averages,
 * so an exported generator's samples do not depend on what else is in the request's batch.
 */
public final class BatchNorm {
  public static final float EPSILON = 1e-5f;
  public static final float MOMENTUM = 0.9f;

  private final String name;
  private final long channels;
  private final Variable<TFloat32> scale;
  private final Variable<TFloat32> offset;
  private final Variable<TFloat32> movingMean;
  private final Variable<TFloat32> movingVariance;

  public BatchNorm(Ops tf, String name, long channels) {
    this.name = name;
    this.channels = channels;
    Ops s = tf.withSubScope(name);
    this.scale = Vars.create(s, "scale", Vars.ones(s, Shape.of(channels)));
    this.offset = Vars.create(s, "offset", Vars.zeros(s, Shape.of(channels)));
    this.movingMean = Vars.create(s, "moving_mean", Vars.zeros(s, Shape.of(channels)));
    this.movingVariance = Vars.create(s, "moving_variance", Vars.ones(s, Shape.of(channels)));
  }

  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, Phase phase) {
    Shape sh = x.shape();
    boolean flat = sh.numDimensions() == 2;
    if ((!flat && sh.numDimensions() != 4) || sh.size(sh.numDimensions() - 1) != channels) {
      throw new IllegalArgumentException(name + ": expected [N, " + channels + "] or NHWC with " + channels
          + " channels, got " + sh);
    }
    Ops s = tf.withSubScope(name);
    Operand<TFloat32> in = flat ? s.reshape(x, s.constant(new long[] {-1, 1, 1, channels})) : x;
    Operand<TFloat32> y;
    if (phase.training()) {
      Operand<TFloat32> empty = s.constant(new float[0]);
      FusedBatchNorm<TFloat32, TFloat32> bn = s.nn.fusedBatchNorm(in, scale, offset, empty, empty,
          FusedBatchNorm.epsilon(EPSILON), FusedBatchNorm.isTraining(true), FusedBatchNorm.dataFormat("NHWC"));
      y = bn.y();
      if (phase.updating()) {
        phase.addUpdate(s.withName("update_moving_mean").assign(movingMean, moving(s, movingMean, bn.batchMean())));
        phase.addUpdate(s.withName("update_moving_variance").assign(movingVariance, moving(s, movingVariance, bn.batchVariance())));
      }
    } else {
      y = s.nn.fusedBatchNorm(in, scale, offset, movingMean, movingVariance,
          FusedBatchNorm.epsilon(EPSILON), FusedBatchNorm.isTraining(false), FusedBatchNorm.dataFormat("NHWC")).y();
    }
    return flat ? s.reshape(y, s.constant(new long[] {-1, channels})) : y;
  }

  private static Operand<TFloat32> moving(Ops s, Operand<TFloat32> old, Operand<TFloat32> batch) {
    Operand<TFloat32> stopped = s.stopGradient(batch);
    return s.math.add(s.math.mul(old, s.constant(MOMENTUM)), s.math.mul(stopped, s.constant(1f - MOMENTUM)));
  }

  /** Trainable variables (scale, offset). */
  public List<Variable<TFloat32>> variables() {
    return List.of(scale, offset);
  }

  /** Running statistics (saved in checkpoints and exports, not trained). */
  public List<Variable<TFloat32>> state() {
    return List.of(movingMean, movingVariance);
  }
}
