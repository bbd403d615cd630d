package org.bgan.metrics;

/**
 * Maps images to feature vectors (for FID and KID) and, when the network is a classifier, to class
 * logits or probabilities (for IS). The SavedModel implementation lives in {@code org.bgan.scorer};
 * tests use small fakes.
 */
public interface FeatureExtractor extends AutoCloseable {
  /** Length of one feature vector (2048 for Inception v3's pool_3). */
  int featureDim();

  /** Number of classes of the class output, or 0 if the model has none. */
  int classCount();

  /** True if the class output holds probabilities (softmax already applied), false for logits. */
  boolean classOutputIsProbabilities();

  /** Features ({@code count × featureDim}) and class outputs ({@code count × classCount}, or null). */
  Output extract(ImageBatch batch);

  record Output(float[] features, float[] classes) {}

  /**
   * What makes two runs' features comparable (the model's weights, feature output, input size and
   * range, resize method), as one line; null when unknown (test fakes).
   */
  default String identity() {
    return null;
  }

  @Override
  void close();
}
