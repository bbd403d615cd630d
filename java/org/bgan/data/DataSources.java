package org.bgan.data;

import org.bgan.config.proto.Data;
import org.bgan.util.UserException;

/** Builds the {@link RealSource} a config names. */
public final class DataSources {
  private DataSources() {}

  public static RealSource create(Data data) {
    switch (data.getSourceCase()) {
      case SYNTHETIC2D:
        var s = data.getSynthetic2D();
        Synthetic2D.Kind kind = s.getKind() == org.bgan.config.proto.Synthetic2D.Kind.RING
            ? Synthetic2D.Kind.RING : Synthetic2D.Kind.GRID;
        if (s.getTrainSize() < 1) {
          throw new UserException("config: data.synthetic2d.train_size must be positive, got " + s.getTrainSize());
        }
        return new Synthetic2D(kind, s.getTrainSize(), s.getSeed());
      default:
        throw new UserException("config: 'data' names no source");
    }
  }
}
