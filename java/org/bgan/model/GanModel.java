package org.bgan.model;

import java.util.List;
import java.util.Map;
import org.bgan.nets.Mlp;
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
 */
public record GanModel(
    Graph graph,
    Placeholder<TInt64> stepSeed,
    Mlp generator,
    Mlp discriminator,
    Operand<TFloat32> dLoss,
    Operand<TFloat32> gLoss,
    Map<String, Operand<TFloat32>> dScalars,
    Operand<TFloat32> evalSamples,
    List<Variable<TFloat32>> gVars,
    List<Variable<TFloat32>> dVars) {}
