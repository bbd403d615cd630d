package org.bgan.techniques;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * WGAN weight clipping (Arjovsky et al. 2017, Algorithm 1 line 7): after each critic update every
 * critic weight is clipped to [−c, c] (c = 0.01 in the paper).
 */
public final class WeightClip {
  /** The paper's c. */
  public static final float DEFAULT_CLIP = 0.01f;

  private WeightClip() {}

  /**
   * An op that runs {@code update}, then assigns {@code clip(w, −c, c)} to every variable: the reads
   * and assignments carry a control dependency on {@code update}, so they see the updated weights.
   * {@code c = 0} returns {@code update} itself.
   */
  public static Op after(Ops tf, Op update, List<Variable<TFloat32>> vars, float c) {
    if (c == 0f) {
      return update;
    }
    if (!(c > 0f) || !Float.isFinite(c)) {
      throw new IllegalArgumentException("weight clip must be a positive finite bound, got " + c);
    }
    Ops s = tf.withSubScope("weight_clip").withControlDependencies(List.of(update));
    List<Op> clips = new ArrayList<>();
    for (Variable<TFloat32> v : vars) {
      clips.add(s.assign(v, s.clipByValue(v, s.constant(-c), s.constant(c))));
    }
    return tf.withSubScope("weight_clip").withControlDependencies(clips).withName("done").noOp();
  }
}
