package org.bgan.semi;

/** Classification accuracy of predicted labels, overall and per class (plain Java). */
public final class Accuracy {
  private Accuracy() {}

  /** The fraction of {@code predicted[i] == labels[i]} over the first {@code predicted.length} labels. */
  public static double of(int[] predicted, int[] labels) {
    check(predicted, labels);
    int right = 0;
    for (int i = 0; i < predicted.length; i++) {
      if (predicted[i] == labels[i]) {
        right++;
      }
    }
    return (double) right / predicted.length;
  }

  /** Accuracy within each true class 0..classes-1 (NaN for a class with no example). */
  public static double[] perClass(int[] predicted, int[] labels, int classes) {
    check(predicted, labels);
    int[] right = new int[classes];
    int[] total = new int[classes];
    for (int i = 0; i < predicted.length; i++) {
      int y = labels[i];
      if (y < 0 || y >= classes) {
        throw new IllegalArgumentException("label " + y + " of example " + i + " outside [0, " + classes + ")");
      }
      total[y]++;
      if (predicted[i] == y) {
        right[y]++;
      }
    }
    double[] out = new double[classes];
    for (int c = 0; c < classes; c++) {
      out[c] = total[c] == 0 ? Double.NaN : (double) right[c] / total[c];
    }
    return out;
  }

  /** The index of the largest entry of each row (the first on ties). */
  public static int[] argmax(float[][] logits) {
    int[] out = new int[logits.length];
    for (int i = 0; i < logits.length; i++) {
      int best = 0;
      for (int k = 1; k < logits[i].length; k++) {
        if (logits[i][k] > logits[i][best]) {
          best = k;
        }
      }
      out[i] = best;
    }
    return out;
  }

  private static void check(int[] predicted, int[] labels) {
    if (predicted.length == 0) {
      throw new IllegalArgumentException("no predictions");
    }
    if (labels.length < predicted.length) {
      throw new IllegalArgumentException(predicted.length + " predictions but " + labels.length + " labels");
    }
  }
}
