package org.bgan.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.Operation;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The point of a step at which every gradient has been computed. The graph's variables are
 * TensorFlow reference variables, and an optimiser's {@code ApplyAdam} / {@code ApplyRMSProp} writes
 * into the variable's buffer in place; an op that reads a variable sees whatever the buffer holds
 * when it runs. Without this point, the update of a layer's weights, ready as soon as that layer's
 * gradient is, could run while the backward pass still reads the same weights to propagate the
 * gradient to the layers below (the transposed product of a dense layer's backward pass): those
 * gradients would then mix old and new weights, by an amount that depends on thread scheduling, and
 * two runs of one seed would differ. Every update of a step waits for this op, so the whole step
 * reads the weights it started with, and a run is reproducible from its seed.
 */
final class GradientsReady {
  private GradientsReady() {}

  /** A no-op under {@code <name>/gradients_ready} that runs after every op producing {@code grads}. */
  static Op of(Ops tf, String name, List<? extends Operand<TFloat32>> grads) {
    Map<String, Operation> producers = new LinkedHashMap<>();
    for (Operand<TFloat32> g : grads) {
      producers.putIfAbsent(g.op().name(), g.op());
    }
    return tf.withSubScope(name).withControlDependencyOps(new ArrayList<>(producers.values()))
        .withName("gradients_ready").noOp();
  }
}
