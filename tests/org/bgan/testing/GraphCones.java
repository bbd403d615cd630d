package org.bgan.testing;

import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.tensorflow.GraphOperation;

/** Which ops of a graph a run executes, for structural tests of training graphs. */
public final class GraphCones {
  private GraphCones() {}

  /** The ops that running {@code roots} executes: the roots and everything they depend on (data and control inputs). */
  public static Map<String, GraphOperation> cone(List<GraphOperation> roots) {
    return cone(roots, name -> false);
  }

  /**
   * The same, not entering ops whose name {@code stop} accepts (they are left out, and so is whatever
   * only they lead to).
   */
  public static Map<String, GraphOperation> cone(List<GraphOperation> roots, Predicate<String> stop) {
    Map<String, GraphOperation> seen = new LinkedHashMap<>();
    ArrayDeque<GraphOperation> todo = new ArrayDeque<>(roots);
    while (!todo.isEmpty()) {
      GraphOperation op = todo.pop();
      if (stop.test(op.name()) || seen.putIfAbsent(op.name(), op) != null) {
        continue;
      }
      for (int i = 0; i < op.numInputs(); i++) {
        todo.push((GraphOperation) op.input(i).op());
      }
      todo.addAll(op.controlInputs());
    }
    return seen;
  }
}
