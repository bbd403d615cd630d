package org.bgan.train;

import java.util.ArrayList;
import java.util.List;
import org.bgan.layers.Vars;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.train.ApplyRmsProp;
import org.tensorflow.types.TFloat32;

/**
 * RMSProp (Tieleman &amp; Hinton 2012) for one player's variables, on TensorFlow's fused
 * {@code ApplyRMSProp} kernel:
 *
 * <pre>  ms ← ρ·ms + (1 − ρ)·g²,  mom ← μ·mom + lr·g/√(ms + ε),  w ← w − mom</pre>
 *
 * WGAN's optimiser (Arjovsky et al. 2017, lr 5e-5). The slots {@code ms} and {@code mom} start at 0
 * (as in PyTorch's RMSprop, which the WGAN authors used; TF 1's RMSPropOptimizer started ms at 1), and
 * live under {@code <name>/} like {@link AdamOptimizer}'s, so checkpoints save and restore them.
 */
public final class RmsPropOptimizer {
  private final String name;
  private final float learningRate;
  private final float decay;
  private final float momentum;
  private final float epsilon;
  private final List<Variable<TFloat32>> vars;
  private final List<Variable<TFloat32>> ms = new ArrayList<>();
  private final List<Variable<TFloat32>> mom = new ArrayList<>();

  public RmsPropOptimizer(Ops tf, String name, List<Variable<TFloat32>> vars, float learningRate, float decay,
      float momentum, float epsilon) {
    this.name = name;
    this.learningRate = learningRate;
    this.decay = decay;
    this.momentum = momentum;
    this.epsilon = epsilon;
    this.vars = List.copyOf(vars);
    Ops s = tf.withSubScope(name);
    for (Variable<TFloat32> var : vars) {
      String base = var.op().name().replace('/', '.');
      ms.add(Vars.create(s, base + ".ms", Vars.zeros(s, var.shape())));
      mom.add(Vars.create(s, base + ".mom", Vars.zeros(s, var.shape())));
    }
  }

  /** The update op: one RMSProp step on every variable with the given gradients (same order). */
  public Op apply(Ops tf, List<Operand<TFloat32>> grads) {
    if (grads.size() != vars.size()) {
      throw new IllegalArgumentException(name + ": " + grads.size() + " gradients for " + vars.size() + " variables");
    }
    // In place, so only once the backward pass no longer reads the variables (GradientsReady).
    Ops s = tf.withSubScope(name).withControlDependencies(List.of(GradientsReady.of(tf, name, grads)));
    Operand<TFloat32> lr = s.constant(learningRate);
    Operand<TFloat32> rho = s.constant(decay);
    Operand<TFloat32> mu = s.constant(momentum);
    Operand<TFloat32> eps = s.constant(epsilon);
    List<Op> updates = new ArrayList<>();
    for (int i = 0; i < vars.size(); i++) {
      updates.add(s.train.applyRmsProp(vars.get(i), ms.get(i), mom.get(i), lr, rho, mu, eps, grads.get(i),
          ApplyRmsProp.useLocking(false)));
    }
    return s.withControlDependencies(updates).withName("update").noOp();
  }

  /**
   * One RMSProp step of {@code vars} with the gradients {@code grads} (in the same order), the
   * optimiser configured by {@code o} ({@code learning_rate}, {@code rmsprop_decay},
   * {@code rmsprop_momentum}, {@code epsilon}) and its slots under {@code name/}.
   */
  public static Op apply(Ops tf, String name, org.bgan.config.proto.Optimizer o, List<Variable<TFloat32>> vars,
      org.tensorflow.op.core.Gradients grads) {
    List<Operand<TFloat32>> g = new ArrayList<>();
    for (int i = 0; i < vars.size(); i++) {
      g.add(grads.dy(i));
    }
    return new RmsPropOptimizer(tf, name, vars, o.getLearningRate(), o.getRmspropDecay(), o.getRmspropMomentum(),
        o.getEpsilon()).apply(tf, g);
  }

  /** The optimiser's own variables (mean squares and momenta). */
  public List<Variable<TFloat32>> slots() {
    List<Variable<TFloat32>> out = new ArrayList<>(ms);
    out.addAll(mom);
    return out;
  }
}
