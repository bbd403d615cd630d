package org.bgan.data;

import org.bgan.data.images.ImageDataset;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Real images fed to the graph batch by batch (through a placeholder) from an {@link ImageDataset},
 * rather than drawn inside the graph: image datasets are too large to embed as graph constants.
 */
public final class FedImages implements RealSource {
  private final ImageDataset dataset;
  private final int prefetch;

  public FedImages(ImageDataset dataset, int prefetch) {
    this.dataset = dataset;
    this.prefetch = prefetch;
  }

  public ImageDataset dataset() {
    return dataset;
  }

  public int prefetch() {
    return prefetch;
  }

  @Override
  public Operand<TFloat32> batch(Ops tf, Operand<TInt64> seed, int batchSize) {
    throw new UnsupportedOperationException("images are fed through the model's real-batch placeholder");
  }

  @Override
  public boolean fed() {
    return true;
  }

  @Override
  public long[] sampleShape() {
    return new long[] {dataset.height(), dataset.width(), dataset.channels()};
  }
}
