package org.bgan.layers;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.tensorflow.op.Op;

/**
 * How a network is being applied: in training mode (batch normalisation uses the batch's statistics)
 * or for inference (it uses the moving averages), and whether this application owns the state
 * updates of the step (batch-norm moving averages in the generator's own step, the spectral-norm
 * power-iteration vector in the discriminator's own step). Update ops are collected in
 * {@link #updates()} for the trainer to run with that step's optimiser.
 */
public final class Phase {
  private final boolean training;
  private final List<Op> updates;

  private Phase(boolean training, List<Op> updates) {
    this.training = training;
    this.updates = updates;
  }

  /** Training mode, state updates collected (the step of the player being trained). */
  public static Phase trainUpdating() {
    return new Phase(true, new ArrayList<>());
  }

  /** Training mode, no state updates (the other player's network inside a step). */
  public static Phase train() {
    return new Phase(true, null);
  }

  /** Inference: moving statistics, no updates (evaluation, export). */
  public static Phase infer() {
    return new Phase(false, null);
  }

  public boolean training() {
    return training;
  }

  public boolean updating() {
    return updates != null;
  }

  /** Records a state update; ignored unless {@link #updating()}. */
  public void addUpdate(Op op) {
    if (updates != null) {
      updates.add(op);
    }
  }

  public List<Op> updates() {
    return updates == null ? List.of() : Collections.unmodifiableList(updates);
  }
}
