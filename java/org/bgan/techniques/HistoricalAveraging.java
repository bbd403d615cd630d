package org.bgan.techniques;

import java.util.ArrayList;
import java.util.List;
import org.bgan.layers.Phase;
import org.bgan.layers.Vars;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Historical averaging (Salimans et al. 2016, §3.3; SPEC §6): each player's loss gets
 *
 * <pre>  λ · Σ_θ || θ − (1/t) Σ_{i≤t} θ_i ||²</pre>
 *
 * over that player's trainable variables θ, where θ_i is the value of θ at the player's i-th step and
 * t counts the player's steps including the current one (so the penalty is 0 at its first step). The
 * past values are data, not functions of the current θ: the average enters the loss through a stop
 * gradient, and the gradient is 2λ(θ − θ̄_t).
 *
 * <p>State: per variable a running mean {@code historical_averaging_<player>/<variable name>} and one
 * step count {@code historical_averaging_<player>/count}, non-trainable graph variables, so they are
 * saved in checkpoints with everything else and a resumed run continues the same averages. Each step
 * of the player computes θ̄_t = θ̄_{t−1} + (θ − θ̄_{t−1})/t from the value of θ before the optimiser's
 * update: θ̄_t feeds the loss's gradient, which the optimiser's update consumes, so it is computed
 * first; the stored mean is then replaced by that same tensor, and the count incremented after all
 * means are stored (control dependencies). The update ops go to the player's {@link Phase}, which
 * the trainer runs with that player's steps only.
 */
public final class HistoricalAveraging {
  /** Name scope of the running means: {@code historical_averaging_<player>}. */
  public static final String SCOPE = "historical_averaging";

  /** The penalty λ·Σ||θ − θ̄_t||² and the op that stores θ̄_t and advances the count. */
  public record Penalty(Operand<TFloat32> value, Op update, List<Variable<TFloat32>> averages, Variable<TInt64> count) {}

  private HistoricalAveraging() {}

  /**
   * {@code loss + λ·Σ||θ − θ̄_t||²} for the variables {@code vars} of {@code player} ("d", "g"); the
   * update goes to {@code phase}.
   */
  public static Operand<TFloat32> addTo(Ops tf, String player, Operand<TFloat32> loss, List<Variable<TFloat32>> vars,
      float lambda, Phase phase) {
    Penalty p = create(tf, player, vars, lambda);
    phase.addUpdate(p.update());
    return tf.math.add(loss, p.value());
  }

  /** Builds the running means, the penalty and the update for {@code vars}. */
  public static Penalty create(Ops tf, String player, List<Variable<TFloat32>> vars, float lambda) {
    Ops s = tf.withSubScope(SCOPE + "_" + player);
    Ops init = s.withInitScope();
    Variable<TInt64> count = init.withName("count").variable(Shape.scalar(), TInt64.class);
    init.withName("count_init").assign(count, init.constant(0L));
    // t = count + 1: this step's index among the player's steps.
    Operand<TFloat32> invT = s.math.reciprocal(s.dtypes.cast(s.math.add(count, s.constant(1L)), TFloat32.class));
    List<Operand<TFloat32>> params = new ArrayList<>();
    List<Operand<TFloat32>> means = new ArrayList<>();
    List<Op> stores = new ArrayList<>();
    List<Variable<TFloat32>> averages = new ArrayList<>();
    java.util.Map<String, Ops> scopes = new java.util.HashMap<>();
    for (Variable<TFloat32> v : vars) {
      Variable<TFloat32> avg = averageVariable(s, scopes, v);
      averages.add(avg);
      Operand<TFloat32> mean = s.math.add(avg, s.math.mul(s.math.sub(v, avg), invT));
      params.add(v);
      means.add(mean);
      stores.add(s.assign(avg, mean));
    }
    Operand<TFloat32> value = penalty(s, params, means, lambda);
    Op update = s.withControlDependencies(stores).withName("update").assignAdd(count, s.constant(1L));
    return new Penalty(value, update, averages, count);
  }

  /**
   * {@code λ·Σ_k ||params_k − stop_gradient(averages_k)||²}: the penalty for given averages (also the
   * function the gradient checks differentiate).
   */
  public static Operand<TFloat32> penalty(Ops tf, List<Operand<TFloat32>> params, List<Operand<TFloat32>> averages,
      float lambda) {
    Ops s = tf.withSubScope("HistoricalAveragingPenalty");
    Operand<TFloat32> sum = s.constant(0f);
    for (int i = 0; i < params.size(); i++) {
      // (θ − θ̄)·(θ − θ̄) rather than Square: see TFJAVA.md on Square's gradient next to a Variable.
      Operand<TFloat32> d = s.math.sub(params.get(i), s.stopGradient(averages.get(i)));
      Operand<TFloat32> sq = s.math.mul(d, d);
      sum = s.math.add(sum, s.reduceSum(sq, s.range(s.constant(0), s.rank(sq), s.constant(1))));
    }
    return s.math.mul(sum, s.constant(lambda));
  }

  /**
   * A zero-initialised mean of {@code v} named {@code <scope>/<v's op name>}; {@code scopes} keeps each
   * sub-scope made once (a second {@code withSubScope} of the same name would get a suffix).
   */
  private static Variable<TFloat32> averageVariable(Ops s, java.util.Map<String, Ops> scopes, Variable<TFloat32> v) {
    String[] parts = v.op().name().split("/");
    Ops scope = s;
    String path = "";
    for (int i = 0; i < parts.length - 1; i++) {
      path = path + "/" + parts[i];
      Ops parent = scope;
      String name = parts[i];
      scope = scopes.computeIfAbsent(path, k -> parent.withSubScope(name));
    }
    return Vars.create(scope, parts[parts.length - 1], Vars.zeros(scope, v.shape()));
  }
}
