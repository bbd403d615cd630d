package org.bgan.data.images;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bgan.config.proto.Images;
import org.bgan.util.UserException;

/**
 * The label files of an IDX dataset, for semi-supervised training: the training labels beside the
 * training images, and the test split (t10k images and labels) for the accuracy. Errors name the file
 * and the config field that leads to it.
 */
public final class LabelledIdx {
  /** A labelled set of images: the dataset, its labels (one per example, at least), and where they came from. */
  public record Split(ImageDataset images, int[] labels, Path imagesFile, Path labelsFile) {}

  private LabelledIdx() {}

  /** The training images file the config's {@code data.images} names (IDX format). */
  public static Path trainImagesFile(Images cfg) {
    return Idx.imagesFile(Path.of(cfg.getPath().isEmpty() ? ImageDatasets.DEFAULT_IDX_PATH : cfg.getPath()));
  }

  /**
   * The labels file beside an IDX image file: its name with images-idx3 → labels-idx1 (or
   * images.idx3 → labels.idx1), gzipped or plain; {@code field} names the config field in the error.
   */
  public static Path labelsBeside(Path imagesFile, String field) {
    String name = imagesFile.getFileName().toString();
    String base = name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
    String labels = base.replace("images-idx3", "labels-idx1").replace("images.idx3", "labels.idx1");
    if (labels.equals(base)) {
      throw new UserException(field + ": cannot tell the labels file of " + imagesFile
          + ": semi-supervised training needs IDX images named like train-images-idx3-ubyte[.gz] with"
          + " train-labels-idx1-ubyte[.gz] beside them");
    }
    for (String cand : new String[] {labels + ".gz", labels}) {
      Path p = imagesFile.resolveSibling(cand);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new UserException(field + ": no labels file " + imagesFile.resolveSibling(labels) + "[.gz] beside the images "
        + imagesFile + " (semi_supervised needs the IDX labels). Get the data: " + Idx.WHERE);
  }

  /** The training labels of {@code ds}, opened from {@code cfg}: one per example (checked). */
  public static Split train(Images cfg, ImageDataset ds) {
    Path images = trainImagesFile(cfg);
    Path labelsFile = labelsBeside(images, "data.images.path");
    int[] labels = Idx.readLabels(labelsFile);
    checkCount(labels, ds.size(), cfg.getLimit() > 0, labelsFile, images);
    return new Split(ds, labels, images, labelsFile);
  }

  /**
   * The test split: {@code testPath} (an IDX image file, or a directory holding
   * t10k-images-idx3-ubyte[.gz]); empty means the training images' directory. Images are resized to
   * {@code size} like the training images; only the first {@code limit} are kept (0: all).
   */
  public static Split test(Images trainCfg, String testPath, int limit) {
    Path images;
    if (testPath.isEmpty()) {
      Path dir = trainImagesFile(trainCfg).toAbsolutePath().getParent();
      images = find(dir, "semi_supervised.test_path (default: the training images' directory " + dir + ")");
    } else {
      Path p = Path.of(testPath);
      if (Files.isRegularFile(p)) {
        images = p;
      } else if (Files.isDirectory(p)) {
        images = find(p, "semi_supervised.test_path");
      } else {
        throw new UserException("semi_supervised.test_path: " + p + ": no such file or directory");
      }
    }
    Path labelsFile = labelsBeside(images, "semi_supervised.test_path");
    ImageDataset ds = ImageDatasets.open(Images.newBuilder().setFormat(Images.Format.IDX).setPath(images.toString())
        .setSize(trainCfg.getSize()).setLimit(limit).build(), 0);
    int[] labels = Idx.readLabels(labelsFile);
    checkCount(labels, ds.size(), limit > 0, labelsFile, images);
    return new Split(ds, labels, images, labelsFile);
  }

  private static Path find(Path dir, String field) {
    for (String n : new String[] {"t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"}) {
      for (String cand : new String[] {n + ".gz", n}) {
        Path p = dir.resolve(cand);
        if (Files.isRegularFile(p)) {
          return p;
        }
      }
    }
    throw new UserException(field + ": no t10k-images-idx3-ubyte[.gz] (the test images) in " + dir
        + "; set semi_supervised.test_path to the test images file or its directory");
  }

  private static void checkCount(int[] labels, int examples, boolean limited, Path labelsFile, Path images) {
    if (labels.length < examples || (!limited && labels.length != examples)) {
      throw new UserException(labelsFile + ": " + labels.length + " labels for the " + examples + " images of " + images);
    }
  }
}
