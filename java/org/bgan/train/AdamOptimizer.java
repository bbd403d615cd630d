package org.bgan.train;

import java.util.ArrayList;
import java.util.List;
import org.bgan.layers.Vars;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.train.ApplyAdam;
import org.tensorflow.types.TFloat32;

/**
 * Adam (Kingma &amp; Ba) for one player's variables, on TensorFlow's fused {@code ApplyAdam} kernel.
 *
 * <p>Why not {@code tensorflow-framework}'s {@code Adam}: in 1.0.0 its update of the β-powers runs
 * beside the {@code ApplyAdam} ops that read them (no control dependency, a read/write race), its
 * {@code minimize}/{@code computeGradients} differentiate with respect to every variable of the
 * graph, and it recreates its slots on every {@code applyGradients}. Here the step count {@code t}
 * is a variable incremented first, the β-powers are computed from the incremented value, and every
 * update reads them through a data dependency. The updates start once every gradient of the step has
 * been computed ({@link GradientsReady}): they change the variables in place, which the backward pass
 * still reads. Slots live under {@code <name>/}, so two players'
 * optimisers never share state, and they are saved in checkpoints.
 */
public final class AdamOptimizer {
  private final String name;
  private final float learningRate;
  private final float beta1;
  private final float beta2;
  private final float epsilon;
  private final List<Variable<TFloat32>> vars;
  private final List<Variable<TFloat32>> m = new ArrayList<>();
  private final List<Variable<TFloat32>> v = new ArrayList<>();
  private final Variable<TFloat32> step;
  private final float finalFraction;
  private final long totalUpdates;

  public AdamOptimizer(Ops tf, String name, List<Variable<TFloat32>> vars,
      float learningRate, float beta1, float beta2, float epsilon) {
    this(tf, name, vars, learningRate, beta1, beta2, epsilon, 1f, 1);
  }

  /**
   * As above, with the learning rate decayed linearly from {@code learningRate} at update 1 to
   * {@code learningRate · finalFraction} at update {@code totalUpdates} (and held there after).
   */
  public AdamOptimizer(Ops tf, String name, List<Variable<TFloat32>> vars,
      float learningRate, float beta1, float beta2, float epsilon, float finalFraction, long totalUpdates) {
    if (!(finalFraction > 0f && finalFraction <= 1f) || totalUpdates < 1) {
      throw new IllegalArgumentException(name + ": final fraction " + finalFraction + ", updates " + totalUpdates);
    }
    this.finalFraction = finalFraction;
    this.totalUpdates = totalUpdates;
    this.name = name;
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.vars = List.copyOf(vars);
    Ops s = tf.withSubScope(name);
    for (Variable<TFloat32> var : vars) {
      String base = var.op().name().replace('/', '.');
      m.add(Vars.create(s, base + ".m", Vars.zeros(s, var.shape())));
      v.add(Vars.create(s, base + ".v", Vars.zeros(s, var.shape())));
    }
    step = Vars.create(s, "t", Vars.zeros(s, Shape.scalar()));
  }

  /** The update op: one Adam step on every variable with the given gradients (same order). */
  public Op apply(Ops tf, List<Operand<TFloat32>> grads) {
    if (grads.size() != vars.size()) {
      throw new IllegalArgumentException(name + ": " + grads.size() + " gradients for " + vars.size() + " variables");
    }
    Ops s = tf.withSubScope(name).withControlDependencies(List.of(GradientsReady.of(tf, name, grads)));
    Operand<TFloat32> t = s.assignAdd(step, s.constant(1f));
    Operand<TFloat32> b1p = s.math.pow(s.constant(beta1), t);
    Operand<TFloat32> b2p = s.math.pow(s.constant(beta2), t);
    Operand<TFloat32> lr = learningRate(s, t);
    Operand<TFloat32> b1 = s.constant(beta1);
    Operand<TFloat32> b2 = s.constant(beta2);
    Operand<TFloat32> eps = s.constant(epsilon);
    List<Op> updates = new ArrayList<>();
    for (int i = 0; i < vars.size(); i++) {
      updates.add(s.train.applyAdam(vars.get(i), m.get(i), v.get(i), b1p, b2p, lr, b1, b2, eps, grads.get(i),
          ApplyAdam.useLocking(false)));
    }
    return s.withControlDependencies(updates).withName("update").noOp();
  }

  /** {@code lr0 · (1 − (1 − f) · min(1, (t − 1)/(T − 1)))} at update {@code t} (1-based). */
  private Operand<TFloat32> learningRate(Ops s, Operand<TFloat32> t) {
    if (finalFraction == 1f || totalUpdates == 1) {
      return s.constant(learningRate);
    }
    Operand<TFloat32> progress = s.math.minimum(s.constant(1f),
        s.math.div(s.math.sub(t, s.constant(1f)), s.constant((float) (totalUpdates - 1))));
    return s.withName("learning_rate").math.mul(s.constant(learningRate),
        s.math.sub(s.constant(1f), s.math.mul(s.constant(1f - finalFraction), progress)));
  }

  /** The optimiser's own variables (moments and step count). */
  public List<Variable<TFloat32>> slots() {
    List<Variable<TFloat32>> out = new ArrayList<>(m);
    out.addAll(v);
    out.add(step);
    return out;
  }
}
