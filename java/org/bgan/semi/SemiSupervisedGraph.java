package org.bgan.semi;

import java.util.Map;
import org.bgan.config.proto.Experiment;
import org.bgan.layers.Phase;
import org.bgan.nets.Network;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The graph pieces of the semi-supervised K+1 discriminator ({@link KPlusOne}) beside the GAN: the
 * labelled batch each D step is fed ({@code semi/labelled_batch}, {@code semi/labels}), and the class
 * prediction of the discriminator for evaluation ({@code semi/eval_images} of any batch size →
 * {@code semi/eval_predictions}, inference phase).
 *
 * @param classes K
 * @param unsupervisedWeight weight of the GAN part of D's loss
 * @param labelledBatch [labelled_batch_size, H, W, C], fed with every D step
 * @param labels [labelled_batch_size] int32, fed with every D step
 * @param evalImages [N, H, W, C], any N
 * @param evalClassLogits D's class logits on {@code evalImages}, [N, K]
 * @param evalPredictions {@code argmax_k} of {@code evalClassLogits}, [N] int32
 */
public record SemiSupervisedGraph(
    int classes,
    float unsupervisedWeight,
    Placeholder<TFloat32> labelledBatch,
    Placeholder<TInt32> labels,
    Placeholder<TFloat32> evalImages,
    Operand<TFloat32> evalClassLogits,
    Operand<TInt32> evalPredictions) {

  /** Scope of the placeholders and the evaluation ops. */
  public static final String SCOPE = "semi";

  /** Builds the placeholders and the evaluation view of {@code d} (which must have K outputs). */
  public static SemiSupervisedGraph build(Ops tf, Experiment cfg, Network d, long[] sampleShape) {
    var ss = cfg.getSemiSupervised();
    int bl = ss.getLabelledBatchSize();
    Ops s = tf.withSubScope(SCOPE);
    long[] dims = new long[sampleShape.length + 1];
    System.arraycopy(sampleShape, 0, dims, 1, sampleShape.length);
    dims[0] = bl;
    Placeholder<TFloat32> labelled = s.withName("labelled_batch").placeholder(TFloat32.class, Placeholder.shape(Shape.of(dims)));
    Placeholder<TInt32> labels = s.withName("labels").placeholder(TInt32.class, Placeholder.shape(Shape.of(bl)));
    dims[0] = -1;
    Placeholder<TFloat32> evalImages = s.withName("eval_images").placeholder(TFloat32.class, Placeholder.shape(Shape.of(dims)));
    Operand<TFloat32> logits = d.apply(s.withSubScope("eval"), evalImages, 1, Phase.infer());
    Operand<TFloat32> evalLogits = s.withName("eval_class_logits").identity(logits);
    Operand<TInt32> pred = s.withName("eval_predictions").identity(KPlusOne.predictions(s, logits));
    return new SemiSupervisedGraph(ss.getClasses(), ss.getUnsupervisedWeight(), labelled, labels, evalImages, evalLogits, pred);
  }

  /**
   * D's loss: the supervised cross-entropy of {@code d} on the labelled batch plus
   * {@code unsupervisedWeight} times {@code unsupervised} (the GAN loss on the real/fake logits
   * {@code logsumexp(l)}). Adds {@code d/supervised_loss}, {@code d/unsupervised_loss} and
   * {@code d/labelled_batch_accuracy} to {@code scalars}.
   */
  public Operand<TFloat32> discriminatorLoss(Ops tf, Network d, Operand<TFloat32> unsupervised, Map<String, Operand<TFloat32>> scalars) {
    Ops s = tf.withSubScope("supervised");
    // The other applications of D in this step own its state updates (spectral-norm vectors).
    Operand<TFloat32> logits = d.apply(s, labelledBatch, 1, Phase.train());
    Operand<TFloat32> supervised = KPlusOne.supervisedLoss(s, logits, labels);
    Operand<TFloat32> correct = s.dtypes.cast(s.math.equal(KPlusOne.predictions(s, logits), labels), TFloat32.class);
    scalars.put("d/supervised_loss", supervised);
    scalars.put("d/unsupervised_loss", unsupervised);
    scalars.put("d/labelled_batch_accuracy", s.math.mean(correct, s.constant(0)));
    return s.math.add(supervised, s.math.mul(s.constant(unsupervisedWeight), unsupervised));
  }
}
