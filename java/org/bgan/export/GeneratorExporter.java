package org.bgan.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.bgan.config.proto.Experiment;
import org.bgan.model.GanModelBuilder;
import org.bgan.layers.Phase;
import org.bgan.nets.Network;
import org.bgan.ops.Seeds;
import org.bgan.util.AtomicFiles;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint8;

/**
 * Exports a trained generator as a SavedModel laid out as TF Serving expects:
 * {@code <base>/<version>/saved_model.pb} and {@code variables/}, tag {@code serve}. The generator is
 * rebuilt in inference mode in a fresh graph (no discriminator, optimiser or data), restored from a
 * training checkpoint, and saved with two signatures:
 *
 * <ul>
 *   <li>{@code serving_default}: {@code z} float32 [N, z_dim] → {@code samples} float32 (for image
 *       generators NHWC in [−1, 1], plus {@code images} uint8 NHWC);
 *   <li>{@code sample}: {@code num} int32 scalar, {@code seed} int64 scalar → {@code z},
 *       {@code samples}, with z ~ N(0, I) drawn in the graph by a stateless op, so that the same
 *       (num, seed) gives the same samples wherever the model is served.
 * </ul>
 * The version directory is written under a hidden temporary name and renamed into place.
 */
public final class GeneratorExporter {
  public static final String SIGNATURE_DEFAULT = Signature.DEFAULT_KEY;
  public static final String SIGNATURE_SAMPLE = "sample";

  private GeneratorExporter() {}

  /** Exports to {@code base/<next version>} and returns that directory. */
  public static Path export(Experiment cfg, long[] sampleShape, Path checkpointPrefix, Path base) throws IOException {
    Files.createDirectories(base);
    long version = nextVersion(base);
    Path tmp = base.resolve(".tmp-" + version + "-" + ProcessHandle.current().pid() + "-" + EXPORTS.incrementAndGet());
    AtomicFiles.deleteTree(tmp);
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Network gen = GanModelBuilder.generator(tf, cfg, sampleShape);
      int zDim = cfg.getGenerator().getZDim();
      boolean images = sampleShape.length == 3;
      Placeholder<TFloat32> z = tf.withName("z").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, zDim)));
      Operand<TFloat32> samples = tf.withName("samples").identity(gen.apply(tf, z, 1, Phase.infer()));
      Operand<TUint8> pixels = images ? toUint8(tf.withName("images"), samples) : null;

      Ops s = tf.withSubScope("sample");
      Placeholder<TInt32> num = s.withName("num").placeholder(TInt32.class, Placeholder.shape(Shape.scalar()));
      Placeholder<TInt64> seed = s.withName("seed").placeholder(TInt64.class, Placeholder.shape(Shape.scalar()));
      Operand<TInt64> seedVec = s.stack(java.util.List.of(seed, s.constant(Seeds.salt("sample_z"))));
      Operand<TInt32> shape = s.stack(java.util.List.of(num, s.constant(zDim)));
      Operand<TFloat32> z2 = s.withName("z").random.statelessRandomNormal(shape, seedVec, TFloat32.class);
      Operand<TFloat32> samples2 = s.withName("samples").identity(gen.apply(s, z2, 1, Phase.infer()));
      Operand<TUint8> pixels2 = images ? toUint8(s.withName("images"), samples2) : null;

      try (Session session = new Session(g)) {
        try {
          session.restore(checkpointPrefix.toString());
        } catch (RuntimeException e) {  // TensorFlow's errors: TFInvalidArgumentException, TFOutOfRangeException, ...
          throw new org.bgan.util.UserException("cannot restore the generator from checkpoint "
              + checkpointPrefix.getParent() + " (" + org.bgan.util.Errors.firstLine(e) + "): damaged, or trained with another config than the"
              + " run's config.pbtxt");
        }
        Signature.Builder defB = Signature.builder().key(SIGNATURE_DEFAULT).input("z", z).output("samples", samples);
        Signature.Builder smpB = Signature.builder().key(SIGNATURE_SAMPLE).input("num", num).input("seed", seed)
            .output("z", z2).output("samples", samples2);
        if (images) {
          defB.output("images", pixels);
          smpB.output("images", pixels2);
        }
        Signature def = defB.build();
        Signature smp = smpB.build();
        try {
          SavedModelBundle.exporter(tmp.toString())
              .withFunction(SessionFunction.create(def, session))
              .withFunction(SessionFunction.create(smp, session))
              .export();
        } catch (java.io.UncheckedIOException | org.tensorflow.exceptions.TFResourceExhaustedException
            | org.tensorflow.exceptions.TFPermissionDeniedException e) {
          // a full disk or a quota ("No space left on device"): the user's to fix, not a bug
          throw new org.bgan.util.UserException("cannot write the SavedModel under " + base + ": "
              + org.bgan.util.Errors.firstLine(e));
        }
      }
    } catch (IOException | RuntimeException e) {
      AtomicFiles.deleteTree(tmp);
      throw e;
    }
    return publish(tmp, base, version);
  }

  /** Exports started by this JVM: with the process id, a temporary name no other export uses. */
  private static final java.util.concurrent.atomic.AtomicLong EXPORTS = new java.util.concurrent.atomic.AtomicLong();

  /**
   * Renames the finished SavedModel {@code tmp} to {@code base/<version>}, or to the next version
   * free if another export (a second {@code bgan export}, a training run ending) took that one since
   * {@link #nextVersion} was read: the rename never replaces a version, and the temporary directory
   * is removed if it fails.
   */
  static Path publish(Path tmp, Path base, long version) throws IOException {
    try {
      for (long v = version; ; v++) {
        Path dest = base.resolve(Long.toString(v));
        if (Files.exists(dest, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        try {
          // no REPLACE_EXISTING: rename(2) refuses a version directory that appeared meanwhile
          org.bgan.util.AtomicFiles.moveSynced(tmp, dest, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
          return dest;
        } catch (java.nio.file.FileSystemException e) {
          if (!Files.exists(dest, java.nio.file.LinkOption.NOFOLLOW_LINKS) || v - version >= 1000) {
            throw e;
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      AtomicFiles.deleteTree(tmp);
      throw e;
    }
  }

  /** Images in [−1, 1] as uint8: round((x + 1) · 127.5), clipped to [0, 255]. */
  public static Operand<TUint8> toUint8(Ops tf, Operand<TFloat32> x) {
    Ops s = tf;
    Operand<TFloat32> px = s.clipByValue(s.math.round(s.math.mul(s.math.add(x, s.constant(1f)), s.constant(127.5f))),
        s.constant(0f), s.constant(255f));
    return s.dtypes.cast(px, TUint8.class);
  }

  /** One more than the largest numeric version directory under {@code base}, or 1. */
  public static long nextVersion(Path base) throws IOException {
    long max = 0;
    if (Files.isDirectory(base)) {
      try (Stream<Path> st = Files.list(base)) {
        for (Path p : (Iterable<Path>) st::iterator) {
          String n = p.getFileName().toString();
          if (n.matches("\\d{1,18}") && Files.isDirectory(p)) {
            max = Math.max(max, Long.parseLong(n));
          }
        }
      }
    }
    return max + 1;
  }
}
