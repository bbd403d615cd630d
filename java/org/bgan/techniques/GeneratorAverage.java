package org.bgan.techniques;

import java.util.ArrayList;
import java.util.List;
import org.bgan.config.proto.Experiment;
import org.bgan.nets.Architectures;
import org.bgan.nets.Network;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Generator weight averaging (Yazıcı, Foo, Winkler, Yap, Piliouras, Chandrasekhar, "The unusual
 * effectiveness of averaging in GAN training", ICLR 2019): a second copy of the generator, under
 * scope {@code generator_ema/}, whose weights follow an exponential moving average of the trained
 * generator's,
 *
 * <pre>  θ_ema ← β·θ_ema + (1 − β)·θ   after every generator update,</pre>
 *
 * starting from the generator's initial weights (both copies are built from the same seed and layer
 * names, so they start equal). Non-trained state (batch-norm statistics) is copied, not averaged.
 * Training is unchanged: the average never feeds a loss. The trainer evaluates, plots and exports the
 * averaged copy; its variables are ordinary graph variables, saved in checkpoints, so a resumed run
 * continues the same average.
 */
public final class GeneratorAverage {
  /** Name scope of the averaged generator's variables. */
  public static final String SCOPE = "generator_ema";

  /** The averaged generator and the op that advances it by one generator update. */
  public record Averaged(Network network, Op update) {}

  private GeneratorAverage() {}

  /** Whether techniques.generator_ema is on. */
  public static boolean enabled(Experiment cfg) {
    return cfg.getTechniques().getGeneratorEma() > 0;
  }

  /**
   * The averaged copy of {@code cfg}'s generator {@code g} and its update with decay
   * techniques.generator_ema, which runs after every op of {@code after} (G's optimiser step).
   */
  public static Averaged create(Ops tf, Experiment cfg, long[] sampleShape, Network g, List<Op> after) {
    Network avg = network(tf, cfg, sampleShape);
    return new Averaged(avg, update(tf, g, avg, cfg.getTechniques().getGeneratorEma(), after));
  }

  /** The averaged copy of {@code cfg}'s generator, under {@link #SCOPE}: built for training and for export. */
  public static Network network(Ops tf, Experiment cfg, long[] sampleShape) {
    return Architectures.generator(tf, cfg, sampleShape, SCOPE);
  }

  /**
   * θ_ema ← θ_ema − (1 − β)(θ_ema − θ) for each trainable variable of {@code avg} and its counterpart
   * in {@code g} (same architecture, same order), the state of {@code g} copied into {@code avg}'s;
   * all reading the values left by {@code after}.
   */
  public static Op update(Ops tf, Network g, Network avg, float beta, List<Op> after) {
    if (!(beta > 0f && beta < 1f)) {
      throw new IllegalArgumentException("averaging decay must be in (0, 1), got " + beta);
    }
    Ops s = tf.withSubScope(SCOPE + "_update").withControlDependencies(after);
    List<Op> ops = new ArrayList<>();
    Operand<TFloat32> rate = s.constant(1f - beta);
    List<Variable<TFloat32>> from = g.variables();
    List<Variable<TFloat32>> to = avg.variables();
    requireSameLayout(from, to);
    for (int i = 0; i < to.size(); i++) {
      ops.add(s.assignSub(to.get(i), s.math.mul(rate, s.math.sub(to.get(i), from.get(i)))));
    }
    List<Variable<TFloat32>> stateFrom = g.state();
    List<Variable<TFloat32>> stateTo = avg.state();
    requireSameLayout(stateFrom, stateTo);
    for (int i = 0; i < stateTo.size(); i++) {
      ops.add(s.assign(stateTo.get(i), stateFrom.get(i)));
    }
    return s.withControlDependencies(ops).withName("update").noOp();
  }

  private static void requireSameLayout(List<Variable<TFloat32>> a, List<Variable<TFloat32>> b) {
    if (a.size() != b.size()) {
      throw new IllegalArgumentException("averaged generator has " + b.size() + " variables, generator " + a.size());
    }
    for (int i = 0; i < a.size(); i++) {
      if (!a.get(i).shape().equals(b.get(i).shape())) {
        throw new IllegalArgumentException("variable " + i + ": shape " + b.get(i).shape() + " vs " + a.get(i).shape());
      }
    }
  }
}
