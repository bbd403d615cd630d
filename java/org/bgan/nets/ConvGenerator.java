package org.bgan.nets;

import java.util.ArrayList;
import java.util.List;
import org.bgan.layers.BatchNorm;
import org.bgan.layers.Conv2D;
import org.bgan.layers.Deconv2D;
import org.bgan.layers.Dense;
import org.bgan.layers.Phase;
import org.bgan.layers.VirtualBatchNorm;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * The convolutional generators of SPEC §5 (DCGAN-style and Miyato's standard CNN): z → dense
 * base×base×widths[0] → BN, ReLU → for each further width a 4×4 stride-2 transposed convolution →
 * BN, ReLU → 3×3 convolution to the image's channels → tanh. Output NHWC in [−1, 1] of side
 * base·2^(widths−1). Layers followed by batch normalisation have no bias. Optionally virtual batch
 * normalisation ({@link VirtualBatchNorm}, Salimans et al. 2016) in place of batch normalisation.
 */
public final class ConvGenerator implements Network {
  private final String scope;
  private final int base;
  private final int[] widths;
  private final boolean batchNorm;
  private final Dense dense;
  private final List<Deconv2D> deconvs = new ArrayList<>();
  private final List<BatchNorm> norms = new ArrayList<>();
  private final Conv2D out;
  private final VirtualBatchNorm.Reference reference;
  private final List<VirtualBatchNorm> virtualNorms = new ArrayList<>();

  public ConvGenerator(Ops tf, String scope, int zDim, int base, int[] widths, int channels, boolean batchNorm, long seed) {
    this(tf, scope, zDim, base, widths, channels, batchNorm, null, seed);
  }

  /**
   * With virtual batch normalisation (Salimans et al. 2016) in place of batch normalisation, after
   * the same layers, against the reference batch of latents {@code reference}.
   */
  public ConvGenerator(Ops tf, String scope, int zDim, int base, int[] widths, int channels,
      VirtualBatchNorm.Reference reference, long seed) {
    this(tf, scope, zDim, base, widths, channels, false, java.util.Objects.requireNonNull(reference), seed);
  }

  private ConvGenerator(Ops tf, String scope, int zDim, int base, int[] widths, int channels, boolean batchNorm,
      VirtualBatchNorm.Reference reference, long seed) {
    this.scope = scope;
    this.base = base;
    this.widths = widths.clone();
    this.batchNorm = batchNorm;
    this.reference = reference;
    boolean normalised = batchNorm || reference != null;
    Ops s = tf.withSubScope(scope);
    this.dense = new Dense(s, "dense", zDim, (long) base * base * widths[0], !normalised, false, seed);
    if (batchNorm) {
      norms.add(new BatchNorm(s, "dense_bn", (long) base * base * widths[0]));
    }
    if (reference != null) {
      virtualNorms.add(new VirtualBatchNorm(s, "dense_vbn", (long) base * base * widths[0]));
    }
    for (int i = 1; i < widths.length; i++) {
      deconvs.add(new Deconv2D(s, "deconv_" + i, 4, 2, widths[i - 1], widths[i], seed + i));
      if (batchNorm) {
        norms.add(new BatchNorm(s, "deconv_" + i + "_bn", widths[i]));
      }
      if (reference != null) {
        virtualNorms.add(new VirtualBatchNorm(s, "deconv_" + i + "_vbn", widths[i]));
      }
    }
    this.out = new Conv2D(s, "out", 3, 1, widths[widths.length - 1], channels, true, false, seed + 100);
  }

  /** Side length of the images this generator makes. */
  public int imageSize() {
    return base << (widths.length - 1);
  }

  @Override
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> z, int groups, Phase phase) {
    if (reference != null) {
      return applyVirtual(tf, z, phase);
    }
    Ops s = tf.withSubScope(scope);
    Operand<TFloat32> h = dense.apply(s, z, phase);
    if (batchNorm) {
      h = norms.get(0).apply(s, h, phase);
    }
    h = s.nn.relu(h);
    h = s.reshape(h, s.constant(new long[] {-1, base, base, widths[0]}));
    for (int i = 0; i < deconvs.size(); i++) {
      h = deconvs.get(i).apply(s, h);
      if (batchNorm) {
        h = norms.get(i + 1).apply(s, h, phase);
      }
      h = s.nn.relu(h);
    }
    return s.math.tanh(out.apply(s, h, phase));
  }

  /**
   * The reference latents and z go through the same layers side by side; each virtual batch norm
   * normalises the reference with its own statistics and z's rows with the reference's combined with
   * each row's own. The reference stream stops before the output convolution (nothing uses it there).
   */
  private Operand<TFloat32> applyVirtual(Ops tf, Operand<TFloat32> z, Phase phase) {
    Ops s = tf.withSubScope(scope);
    Operand<TFloat32> r = dense.apply(s, reference.latents(s), phase);
    Operand<TFloat32> h = dense.apply(s, z, phase);
    VirtualBatchNorm.Out o = virtualNorms.get(0).apply(s, r, h);
    long[] map = {-1, base, base, widths[0]};
    r = s.reshape(s.nn.relu(o.reference()), s.constant(map));
    h = s.reshape(s.nn.relu(o.x()), s.constant(map));
    for (int i = 0; i < deconvs.size(); i++) {
      o = virtualNorms.get(i + 1).apply(s, deconvs.get(i).apply(s, r), deconvs.get(i).apply(s, h));
      r = s.nn.relu(o.reference());
      h = s.nn.relu(o.x());
    }
    return s.math.tanh(out.apply(s, h, phase));
  }

  @Override
  public List<Variable<TFloat32>> variables() {
    List<Variable<TFloat32>> v = new ArrayList<>(dense.variables());
    for (int i = 0; i < deconvs.size(); i++) {
      v.addAll(deconvs.get(i).variables());
    }
    for (BatchNorm n : norms) {
      v.addAll(n.variables());
    }
    for (VirtualBatchNorm n : virtualNorms) {
      v.addAll(n.variables());
    }
    v.addAll(out.variables());
    return v;
  }

  @Override
  public List<Variable<TFloat32>> state() {
    List<Variable<TFloat32>> v = new ArrayList<>();
    for (BatchNorm n : norms) {
      v.addAll(n.state());
    }
    return v;
  }
}
