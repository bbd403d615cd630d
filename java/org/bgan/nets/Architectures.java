package org.bgan.nets;

import java.util.ArrayList;
import java.util.List;
import org.bgan.config.ExperimentConfigs;
import org.bgan.config.proto.Experiment;
import org.bgan.config.proto.LossKind;
import org.bgan.config.proto.Network.Arch;
import org.bgan.ops.Seeds;
import org.bgan.util.UserException;
import org.tensorflow.op.Ops;

/**
 * Builds the generator and discriminator a config names, for samples of a given shape ({2} for 2-D
 * points, {H, W, C} for images). Architectures (SPEC §5):
 *
 * <ul>
 *   <li>MLP: the paper's 2-D networks (hidden widths from the config).
 *   <li>DCGAN (28×28, Fashion-MNIST): G dense 7·7·4w → deconv 2w → deconv w → conv 3×3; D conv
 *       4×4/2 w → conv 4×4/2 2w → dense 1, leaky ReLU 0.2.
 *   <li>SNCNN, Miyato et al.'s standard CNN: for 32×32 G dense 4·4·8w → deconv 4w, 2w, w → conv
 *       3×3; D conv3 w, conv4/2 w, conv3 2w, conv4/2 2w, conv3 4w, conv4/2 4w, conv3 8w → dense 1,
 *       leaky ReLU 0.1. 48×48 (STL-10) starts from 6×6; 64×64 (CelebA) has one more block in G
 *       (dense 4·4·8w, deconvs to 4w, 2w, w, w) and in D (conv3 8w, conv4/2 8w before the last conv3).
 * </ul>
 * w = network.width, 64 by default as in the papers.
 */
public final class Architectures {
  public static final int DEFAULT_WIDTH = 64;

  private Architectures() {}

  /**
   * Checks that both networks of {@code cfg} can take samples of {@code sampleShape}, without building
   * anything; the same {@link UserException}s the builders throw.
   */
  public static void check(Experiment cfg, long[] sampleShape) {
    for (var n : java.util.List.of(cfg.getGenerator(), cfg.getDiscriminator())) {
      String field = n == cfg.getGenerator() ? "generator" : "discriminator";
      if (n.getArch() == Arch.MLP) {
        requireFlat(field, sampleShape);
      } else {
        image(field, n.getArch(), sampleShape);
      }
    }
  }

  /** Name scope of the generator. */
  public static final String GENERATOR_SCOPE = "generator";

  /** Generator under scope {@code generator/}. */
  public static Network generator(Ops tf, Experiment cfg, long[] sampleShape) {
    return generator(tf, cfg, sampleShape, GENERATOR_SCOPE);
  }

  /**
   * The generator of {@code cfg} under {@code scope}. Initial weights depend on the config's seed and
   * the layer names only, so every scope starts from the same weights (what generator averaging
   * relies on).
   */
  public static Network generator(Ops tf, Experiment cfg, long[] sampleShape, String scope) {
    var n = cfg.getGenerator();
    long seed = Seeds.mix(cfg.getTrain().getSeed());
    if (n.getArch() == Arch.MLP) {
      requireFlat("generator", sampleShape);
      List<Integer> widths = new ArrayList<>();
      widths.add(n.getZDim());
      widths.addAll(ExperimentConfigs.hidden(n));
      widths.add((int) sampleShape[0]);
      if (n.getVirtualBatchNorm()) {
        return new VbnMlp(tf, scope, widths, vbnReference(cfg), seed);
      }
      return new Mlp(tf, scope, widths, false, seed);
    }
    Image img = image("generator", n.getArch(), sampleShape);
    int w = width(n);
    int[] widths;
    int base;
    if (n.getArch() == Arch.DCGAN) {
      base = img.size / 4;
      widths = new int[] {4 * w, 2 * w, w};
    } else if (img.size >= 64) {
      base = img.size / 16;
      widths = new int[] {8 * w, 4 * w, 2 * w, w, w};
    } else {
      base = img.size / 8;
      widths = new int[] {8 * w, 4 * w, 2 * w, w};
    }
    if (n.getVirtualBatchNorm()) {
      return new ConvGenerator(tf, scope, n.getZDim(), base, widths, img.channels, vbnReference(cfg), seed);
    }
    return new ConvGenerator(tf, scope, n.getZDim(), base, widths, img.channels, n.getBatchNorm(), seed);
  }

  /**
   * The virtual batch norm's reference latents: generator.vbn_reference_size (0: train.batch_size)
   * draws of N(0, I), seeded from train.seed, fixed for the whole run and its exports.
   */
  public static org.bgan.layers.VirtualBatchNorm.Reference vbnReference(Experiment cfg) {
    var n = cfg.getGenerator();
    int size = n.getVbnReferenceSize() > 0 ? n.getVbnReferenceSize() : cfg.getTrain().getBatchSize();
    return new org.bgan.layers.VirtualBatchNorm.Reference(size, n.getZDim(), Seeds.mix(cfg.getTrain().getSeed() + 2));
  }

  /** Minibatch discrimination's size when techniques.minibatch_discrimination is on, else null. */
  private static org.bgan.layers.MinibatchDiscrimination.Spec minibatch(Experiment cfg) {
    var tq = cfg.getTechniques();
    return tq.getMinibatchDiscrimination()
        ? new org.bgan.layers.MinibatchDiscrimination.Spec(tq.getMinibatchKernels(), tq.getMinibatchKernelDims())
        : null;
  }

  /**
   * Discriminator under scope {@code discriminator/}; equivariant for BGAN and M-BGAN unless turned off.
   * Its final dense layer has one logit per element, or K class logits with {@code semi_supervised}.
   */
  public static Network discriminator(Ops tf, Experiment cfg, long[] sampleShape) {
    return discriminator(tf, cfg, sampleShape, cfg.hasSemiSupervised() ? cfg.getSemiSupervised().getClasses() : 1);
  }

  /** As {@link #discriminator(Ops, Experiment, long[])} with {@code outputs} logits per element. */
  public static Network discriminator(Ops tf, Experiment cfg, long[] sampleShape, int outputs) {
    if (outputs < 1) {
      throw new IllegalArgumentException("a discriminator needs at least one output, got " + outputs);
    }
    var n = cfg.getDiscriminator();
    long seed = Seeds.mix(cfg.getTrain().getSeed() + 1);
    boolean equivariant = (cfg.getLoss() == LossKind.BGAN || cfg.getLoss() == LossKind.MBGAN) && n.getEquivariant();
    if (n.getArch() == Arch.MLP) {
      requireFlat("discriminator", sampleShape);
      List<Integer> widths = new ArrayList<>();
      widths.add((int) sampleShape[0]);
      widths.addAll(ExperimentConfigs.hidden(n));
      widths.add(outputs);
      return new Mlp(tf, "discriminator", widths, equivariant, minibatch(cfg), n.getSpectralNorm(), seed);
    }
    Image img = image("discriminator", n.getArch(), sampleShape);
    int w = width(n);
    List<ConvDiscriminator.ConvSpec> specs = new ArrayList<>();
    float slope;
    if (n.getArch() == Arch.DCGAN) {
      specs.add(new ConvDiscriminator.ConvSpec(4, 2, w));
      specs.add(new ConvDiscriminator.ConvSpec(4, 2, 2 * w));
      slope = 0.2f;
    } else {
      int blocks = img.size >= 64 ? 4 : 3;
      for (int i = 0; i < blocks; i++) {
        int c = Math.min(w << i, 8 * w);
        specs.add(new ConvDiscriminator.ConvSpec(3, 1, c));
        specs.add(new ConvDiscriminator.ConvSpec(4, 2, c));
      }
      specs.add(new ConvDiscriminator.ConvSpec(3, 1, 8 * w));
      slope = 0.1f;
    }
    return new ConvDiscriminator(tf, "discriminator", img.size, img.channels, specs, slope, equivariant,
        n.getSpectralNorm(), minibatch(cfg), seed, outputs);
  }

  private record Image(int size, int channels) {}

  private static Image image(String field, Arch arch, long[] shape) {
    if (shape.length != 3 || shape[0] != shape[1] || (shape[2] != 1 && shape[2] != 3)) {
      throw new UserException("config: " + field + ".arch " + arch + " needs square images with 1 or 3 channels, but the data gives samples of shape "
          + java.util.Arrays.toString(shape) + " (use arch: MLP for 2-D data)");
    }
    int size = (int) shape[0];
    if (arch == Arch.DCGAN && size % 4 != 0) {
      throw new UserException("config: " + field + ".arch DCGAN needs an image side divisible by 4 (28 for Fashion-MNIST), got " + size);
    }
    if (arch == Arch.SNCNN && (size >= 64 ? size % 16 != 0 : size % 8 != 0)) {
      throw new UserException("config: " + field + ".arch SNCNN needs an image side divisible by 8 (32, 48) or, from 64 up, by 16; got " + size);
    }
    return new Image(size, (int) shape[2]);
  }

  private static void requireFlat(String field, long[] shape) {
    if (shape.length != 1) {
      throw new UserException("config: " + field + ".arch MLP takes flat samples (2-D points); the data gives images of shape "
          + java.util.Arrays.toString(shape) + ": use arch: DCGAN or SNCNN");
    }
  }

  private static int width(org.bgan.config.proto.Network n) {
    return n.getWidth() > 0 ? n.getWidth() : DEFAULT_WIDTH;
  }
}
