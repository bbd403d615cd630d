package org.bgan.layers;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * A layer owns its variables and can be applied any number of times (each application builds new
 * ops on the same variables). Inputs hold {@code groups} sets of equal size stacked along axis 0;
 * per-sample layers ignore the grouping, equivariant layers use it for ρ.
 */
public interface Layer {
  Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, int groups);

  List<Variable<TFloat32>> variables();
}
