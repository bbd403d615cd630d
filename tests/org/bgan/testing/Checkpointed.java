package org.bgan.testing;

import java.nio.file.Path;
import org.bgan.config.proto.Experiment;
import org.bgan.data.DataSources;
import org.bgan.train.Checkpoints;
import org.bgan.train.TrainGraph;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** Reads a variable of a run's latest checkpoint, through the training graph of its config. */
public final class Checkpointed {
  private Checkpointed() {}

  /** The float variable {@code name} (graph operation name) of {@code run}'s latest checkpoint, flattened. */
  public static float[] floats(Path run, Experiment e, String name) throws Exception {
    try (Graph g = new Graph(); Session s = restored(g, run, e)) {
      return Tf.flat(s, g.<TFloat32>operation(name).output(0));
    }
  }

  /** The int64 scalar variable {@code name} of {@code run}'s latest checkpoint. */
  public static long int64(Path run, Experiment e, String name) throws Exception {
    try (Graph g = new Graph(); Session s = restored(g, run, e);
        var r = s.runner().fetch(g.operation(name).output(0)).run()) {
      return ((TInt64) r.get(0)).getLong();
    }
  }

  private static Session restored(Graph g, Path run, Experiment e) throws Exception {
    TrainGraph.build(g, e, DataSources.create(e.getData()));
    Session s = new Session(g);
    try {
      s.restore(Checkpoints.latest(run).orElseThrow().prefix().toString());
      return s;
    } catch (RuntimeException ex) {
      s.close();
      throw ex;
    }
  }
}
