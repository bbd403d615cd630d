package org.bgan.data.images;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bgan.util.UserException;

/**
 * The labelled subset of a semi-supervised run: exactly {@code perClass} examples of each of the
 * {@code classes} classes, chosen once from the training labels. Class c's examples are taken in
 * index order and permuted (Fisher-Yates, SplitMix64 seeded from (seed, c)); the first
 * {@code perClass} of the permutation are kept. The result is a pure function of the labels, K,
 * {@code perClass} and the seed.
 */
public final class LabelledSubset {
  private LabelledSubset() {}

  /**
   * Indices (ascending) of the chosen examples among {@code labels[0..n)}.
   *
   * @param source the labels file, named in errors
   * @throws UserException if a label is outside [0, classes) or a class has fewer than
   *     {@code perClass} examples
   */
  public static int[] select(int[] labels, int n, int classes, int perClass, long seed, String source) {
    if (classes < 1 || perClass < 1 || n < 0 || n > labels.length) {
      throw new IllegalArgumentException("classes " + classes + ", perClass " + perClass + ", n " + n + " of " + labels.length);
    }
    List<List<Integer>> byClass = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      byClass.add(new ArrayList<>());
    }
    for (int i = 0; i < n; i++) {
      int y = labels[i];
      if (y < 0 || y >= classes) {
        throw new UserException(source + ": example " + i + " has label " + y + ", outside [0, " + classes
            + "): semi_supervised.classes is " + classes);
      }
      byClass.get(y).add(i);
    }
    int[] out = new int[classes * perClass];
    int o = 0;
    for (int c = 0; c < classes; c++) {
      List<Integer> ex = byClass.get(c);
      if (ex.size() < perClass) {
        throw new UserException("config: semi_supervised.labels_per_class is " + perClass + " but class " + c
            + " has only " + ex.size() + " example" + (ex.size() == 1 ? "" : "s") + " among the " + n
            + " training examples (" + source + ")");
      }
      int[] perm = Rng.permutation(ex.size(), Rng.mix(seed, c));
      for (int j = 0; j < perClass; j++) {
        out[o++] = ex.get(perm[j]);
      }
    }
    Arrays.sort(out);
    return out;
  }
}
