package org.bgan.model;

import java.util.List;
import java.util.Map;
import org.bgan.nets.Network;
import org.tensorflow.op.Op;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The GAN as built in a graph, before optimisers: the generator and discriminator, the
 * discriminator-step view (its loss and what to log) and the generator-step view, which share
 * variables but have their own forward ops and their own random draws. Built by
 * {@link GanModelBuilder}; read by the losses and the trainer.
 *
 * @param stepSeed the int64[2] seed fed with every run; all randomness of a step derives from it
 * @param dLoss discriminator loss of one D step
 * @param gLoss generator loss of one G step
 * @param dScalars named scalars of the D view, for logs and TensorBoard (e.g. the real fraction
 *     predicted and its target)
 * @param evalSamples generator output on a fixed latent batch, for plots and metrics
 * @param realBatch for fed data (images), the placeholder every D and G run feeds with a batch of
 *     real samples; null when the data is drawn inside the graph
 * @param dUpdates state updates to run with each D step (spectral-norm vectors)
 * @param gUpdates state updates to run with each G step (batch-norm running statistics)
 * @param semi the semi-supervised K+1 pieces (labelled-batch feeds, class predictions), or null
 */
public record GanModel(
    Graph graph,
    Placeholder<TInt64> stepSeed,
    Network generator,
    Network discriminator,
    Operand<TFloat32> dLoss,
    Operand<TFloat32> gLoss,
    Map<String, Operand<TFloat32>> dScalars,
    Operand<TFloat32> evalSamples,
    List<Variable<TFloat32>> gVars,
    List<Variable<TFloat32>> dVars,
    Placeholder<TFloat32> realBatch,
    List<Op> dUpdates,
    List<Op> gUpdates,
    org.bgan.semi.SemiSupervisedGraph semi) {

  /** A model without the semi-supervised pieces. */
  public GanModel(Graph graph, Placeholder<TInt64> stepSeed, Network generator, Network discriminator,
      Operand<TFloat32> dLoss, Operand<TFloat32> gLoss, Map<String, Operand<TFloat32>> dScalars,
      Operand<TFloat32> evalSamples, List<Variable<TFloat32>> gVars, List<Variable<TFloat32>> dVars,
      Placeholder<TFloat32> realBatch, List<Op> dUpdates, List<Op> gUpdates) {
    this(graph, stepSeed, generator, discriminator, dLoss, gLoss, dScalars, evalSamples, gVars, dVars, realBatch,
        dUpdates, gUpdates, null);
  }
}
