package org.bgan.techniques;

import java.util.ArrayList;
import java.util.List;
import org.bgan.config.proto.Experiment;
import org.bgan.layers.Phase;
import org.bgan.layers.Vars;
import org.bgan.nets.Architectures;
import org.bgan.nets.Network;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The K generators or K discriminators of MIX+GAN ({@link MixGan}) and their mixture logits, as one
 * {@link Network}. Component k is the architecture the config names, built under scope
 * {@code generator_k/} (or {@code discriminator_k/}) with its own initial weights: those of the plain
 * network for {@code train.seed + 2k} (component 0 starts where the single-network run starts). The
 * logits are the variable {@code mix_generator/logits} (or {@code mix_discriminator/logits}), [K],
 * initialised to 0 (uniform weights). The names do not depend on the graph, so the exporter, which
 * rebuilds only the generators, restores them from a training checkpoint.
 */
public final class MixtureNetworks implements Network {

  private final List<Network> components;
  private final Variable<TFloat32> logits;
  private final boolean generator;

  private MixtureNetworks(List<Network> components, Variable<TFloat32> logits, boolean generator) {
    this.components = List.copyOf(components);
    this.logits = logits;
    this.generator = generator;
  }

  /** The K = {@code techniques.mix_components} generators of {@code cfg} and w_G. */
  public static MixtureNetworks generators(Ops tf, Experiment cfg, long[] sampleShape) {
    int k = cfg.getTechniques().getMixComponents();
    List<Network> nets = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      nets.add(Architectures.generator(tf.withSubScope("generator_" + i), component(cfg, i), sampleShape));
    }
    return new MixtureNetworks(nets, logits(tf, "mix_generator", k), true);
  }

  /** The K discriminators of {@code cfg} and w_D. */
  public static MixtureNetworks discriminators(Ops tf, Experiment cfg, long[] sampleShape) {
    int k = cfg.getTechniques().getMixComponents();
    List<Network> nets = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      nets.add(Architectures.discriminator(tf.withSubScope("discriminator_" + i), component(cfg, i), sampleShape));
    }
    return new MixtureNetworks(nets, logits(tf, "mix_discriminator", k), false);
  }

  /** {@code cfg} with {@code train.seed + 2k}: the architectures derive G's and D's initial weights from it. */
  static Experiment component(Experiment cfg, int k) {
    if (k == 0) {
      return cfg;
    }
    return cfg.toBuilder().setTrain(cfg.getTrain().toBuilder().setSeed(cfg.getTrain().getSeed() + 2L * k)).build();
  }

  private static Variable<TFloat32> logits(Ops tf, String scope, int k) {
    Ops s = tf.withSubScope(scope);
    return Vars.create(s, "logits", Vars.zeros(s, Shape.of(k)));
  }

  public int size() {
    return components.size();
  }

  public Network component(int k) {
    return components.get(k);
  }

  /** The mixture logits w ([K]). */
  public Variable<TFloat32> logits() {
    return logits;
  }

  /** {@code softmax(w)}. */
  public Operand<TFloat32> weights(Ops tf) {
    return MixGan.weights(tf, logits);
  }

  /**
   * Generators: a sample of the mixture per row of z, {@link MixGan#select}ing, for each row, the
   * output of the component {@link MixGan#choose}n by {@link MixGan#uniformFromZ} (every component
   * is applied to every row; meant for evaluation and export). Discriminators: the logit of the
   * mixture's probability that x is real, {@code log Σ_j p_j σ(o_j) − log Σ_j p_j σ(−o_j)}.
   */
  @Override
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, int groups, Phase phase) {
    Ops s = tf.withSubScope(generator ? "MixtureGenerator" : "MixtureDiscriminator");
    List<Operand<TFloat32>> outs = new ArrayList<>();
    for (Network n : components) {
      outs.add(n.apply(s, x, groups, phase));
    }
    Operand<TFloat32> stacked = s.stack(outs); // [K, N, ...]
    if (generator) {
      Operand<TInt32> idx = MixGan.choose(s, MixGan.uniformFromZ(s, x), weights(s), components.size());
      return MixGan.select(s, stacked, idx);
    }
    Operand<TFloat32> lp = broadcastLike(s, s.math.log(weights(s)), stacked);
    Operand<TFloat32> real = logSumExp0(s, s.math.sub(lp, s.math.softplus(s.math.neg(stacked))));
    Operand<TFloat32> fake = logSumExp0(s, s.math.sub(lp, s.math.softplus(stacked)));
    return s.math.sub(real, fake);
  }

  /** {@code log Σ_k exp(x_k)} over axis 0, stabilised by the (constant) maximum. */
  private static Operand<TFloat32> logSumExp0(Ops s, Operand<TFloat32> x) {
    Operand<TFloat32> m = s.stopGradient(s.max(x, s.constant(0)));
    return s.math.add(m, s.math.log(s.reduceSum(s.math.exp(s.math.sub(x, s.expandDims(m, s.constant(0)))), s.constant(0))));
  }

  /** {@code p} [K] reshaped to [K, 1, ..., 1] with the rank of {@code like}. */
  private static Operand<TFloat32> broadcastLike(Ops s, Operand<TFloat32> p, Operand<TFloat32> like) {
    long[] dims = new long[like.shape().numDimensions()];
    java.util.Arrays.fill(dims, 1L);
    dims[0] = -1;
    return s.reshape(p, s.constant(dims));
  }

  /** Every component's variables, then the mixture logits. */
  @Override
  public List<Variable<TFloat32>> variables() {
    List<Variable<TFloat32>> v = new ArrayList<>();
    for (Network n : components) {
      v.addAll(n.variables());
    }
    v.add(logits);
    return v;
  }

  @Override
  public List<Variable<TFloat32>> state() {
    List<Variable<TFloat32>> v = new ArrayList<>();
    for (Network n : components) {
      v.addAll(n.state());
    }
    return v;
  }
}
