package org.bgan.data;

import org.bgan.config.proto.Data;
import org.bgan.util.UserException;

/** Builds the {@link RealSource} a config names. */
public final class DataSources {
  private DataSources() {}

  public static RealSource create(Data data) {
    return create(data, 0);
  }

  /**
   * A source for building graphs without training: the 2-D data as for training (small), images as
   * a fed placeholder of the configured shape, so no image file is read.
   */
  public static RealSource forGraph(Data data) {
    if (data.getSourceCase() != Data.SourceCase.IMAGES) {
      return create(data);
    }
    long[] shape = sampleShape(data);
    return new RealSource() {
      @Override
      public org.tensorflow.Operand<org.tensorflow.types.TFloat32> batch(org.tensorflow.op.Ops tf,
          org.tensorflow.Operand<org.tensorflow.types.TInt64> seed, int batchSize) {
        throw new UnsupportedOperationException("images are fed");
      }

      @Override
      public boolean fed() {
        return true;
      }

      @Override
      public long[] sampleShape() {
        return shape.clone();
      }
    };
  }

  /** The shape of one sample of {@code data}, from the config alone (no data is read). */
  public static long[] sampleShape(Data data) {
    if (data.getSourceCase() == Data.SourceCase.IMAGES) {
      var im = data.getImages();
      long side = org.bgan.data.images.ImageDatasets.resolvedSize(im);
      return new long[] {side, side, org.bgan.data.images.ImageDatasets.resolvedChannels(im)};
    }
    return new long[] {2};
  }

  /** {@code seed}: of random choices made when opening the data (stacked and random images). */
  public static RealSource create(Data data, long seed) {
    switch (data.getSourceCase()) {
      case SYNTHETIC2D:
        var s = data.getSynthetic2D();
        Synthetic2D.Kind kind = s.getKind() == org.bgan.config.proto.Synthetic2D.Kind.RING
            ? Synthetic2D.Kind.RING : Synthetic2D.Kind.GRID;
        if (s.getTrainSize() < 1) {
          throw new UserException("config: data.synthetic2d.train_size must be positive, got " + s.getTrainSize());
        }
        return new Synthetic2D(kind, s.getTrainSize(), s.getSeed());
      case IMAGES:
        return new FedImages(org.bgan.data.images.ImageDatasets.open(data.getImages(), seed), data.getImages().getPrefetch());
      default:
        throw new UserException("config: 'data' names no source");
    }
  }
}
