package org.bgan.data.images;

import java.nio.file.Path;
import org.bgan.config.proto.Images;
import org.bgan.util.UserException;

/** Opens the image dataset a config's {@code data.images} names (see experiment.proto and docs/datasets.md). */
public final class ImageDatasets {
  /** Debian's dataset-fashion-mnist package puts the files here. */
  public static final String DEFAULT_IDX_PATH = "/usr/share/datasets/fashion-mnist";
  static final int MIN_SIZE = 8;
  static final int MAX_SIZE = 1024;

  private ImageDatasets() {}

  /**
   * Loads what the config names into memory. Every user error (missing or unreadable file,
   * truncated data, wrong magic number, bad field value, empty folder, stacking a colour dataset)
   * is a {@link UserException} naming the file or field and, when data is missing, where to get it.
   *
   * @param seed used by RANDOM (the pixels) and by stacked datasets (the channel images)
   */
  public static ImageDataset open(Images cfg, long seed) {
    validate(cfg);
    int size = resolvedSize(cfg);
    int limit = cfg.getLimit();
    int loadLimit = cfg.getStacked() ? 0 : limit;
    ByteImages base = switch (cfg.getFormat()) {
      case IDX -> openIdx(cfg, size, loadLimit);
      case CIFAR10 -> Cifar10.load(requiredPath(cfg, Cifar10.WHERE), size, loadLimit);
      case STL10 -> Stl10.load(requiredPath(cfg, Stl10.WHERE), size, loadLimit);
      case FOLDER -> FolderImages.load(requiredPath(cfg, FolderImages.WHERE), size, loadLimit);
      case RANDOM -> random(size, cfg.getChannels(), cfg.getRandomExamples(), loadLimit, seed);
    };
    if (!cfg.getStacked()) {
      return base;
    }
    int n = limit > 0 ? Math.min(limit, base.size()) : base.size();
    return new StackedDataset(base, seed, n);
  }

  /** The side length the config resolves to: {@code size}, or the format's native size. */
  public static int resolvedSize(Images cfg) {
    validate(cfg);
    if (cfg.getSize() != 0) {
      return cfg.getSize();
    }
    return switch (cfg.getFormat()) {
      case IDX -> 28;
      case CIFAR10 -> 32;
      case STL10 -> 48;
      case FOLDER -> 64;
      case RANDOM -> 32;
    };
  }

  /** Channels the config resolves to: IDX 1 (3 when stacked), CIFAR10/STL10/FOLDER 3, RANDOM {@code channels} (3 when stacked). */
  public static int resolvedChannels(Images cfg) {
    validate(cfg);
    if (cfg.getStacked()) {
      return 3;
    }
    return switch (cfg.getFormat()) {
      case IDX -> 1;
      case RANDOM -> cfg.getChannels();
      default -> 3;
    };
  }

  /** Checks the fields without reading any file. */
  static void validate(Images cfg) {
    if (cfg.getSize() != 0 && (cfg.getSize() < MIN_SIZE || cfg.getSize() > MAX_SIZE)) {
      throw new UserException("config: data.images.size must be 0 (the format's native size) or in ["
          + MIN_SIZE + ", " + MAX_SIZE + "], got " + cfg.getSize());
    }
    if (cfg.getLimit() < 0) {
      throw new UserException("config: data.images.limit must be >= 0 (0: all examples), got " + cfg.getLimit());
    }
    if (cfg.getPrefetch() < 1) {
      throw new UserException("config: data.images.prefetch must be >= 1, got " + cfg.getPrefetch());
    }
    if (cfg.getChannels() != 1 && cfg.getChannels() != 3) {
      throw new UserException("config: data.images.channels must be 1 or 3, got " + cfg.getChannels());
    }
    if (cfg.getFormat() == Images.Format.RANDOM && cfg.getRandomExamples() < 1) {
      throw new UserException("config: data.images.random_examples must be >= 1, got " + cfg.getRandomExamples());
    }
    if (cfg.getFormat() != Images.Format.RANDOM && cfg.hasChannels()) {
      int own = cfg.getFormat() == Images.Format.IDX && !cfg.getStacked() ? 1 : 3;
      if (cfg.getChannels() != own) {
        throw new UserException("config: data.images.channels is for format RANDOM; " + cfg.getFormat()
            + (cfg.getStacked() ? " stacked" : "") + " has " + own + " channel" + (own == 1 ? "" : "s")
            + ", got channels: " + cfg.getChannels());
      }
    }
    if (cfg.getStacked()) {
      boolean grey = cfg.getFormat() == Images.Format.IDX
          || (cfg.getFormat() == Images.Format.RANDOM && cfg.getChannels() == 1);
      if (!grey) {
        throw new UserException("config: data.images.stacked needs a grey dataset (IDX, or RANDOM with channels: 1); "
            + cfg.getFormat() + (cfg.getFormat() == Images.Format.RANDOM ? " with channels: 3" : "")
            + " is colour");
      }
    }
  }

  private static Path requiredPath(Images cfg, String where) {
    if (cfg.getPath().isEmpty()) {
      throw new UserException("config: data.images.path is required for format " + cfg.getFormat() + "; " + where);
    }
    return Path.of(cfg.getPath());
  }

  private static ByteImages openIdx(Images cfg, int size, int limit) {
    Path path = Path.of(cfg.getPath().isEmpty() ? DEFAULT_IDX_PATH : cfg.getPath());
    Path file = Idx.imagesFile(path);
    Idx.Images im = Idx.readImages(file);
    if (im.n() == 0) {
      throw new UserException(file + ": the IDX file holds no images");
    }
    int n = limit > 0 ? Math.min(limit, im.n()) : im.n();
    ByteImages out;
    if (im.rows() == size && im.cols() == size) {
      out = ByteImages.wrap(im.data(), n, size, size, 1);
    } else {
      out = new ByteImages(n, size, size, 1);
      int ex = im.rows() * im.cols();
      byte[] one = new byte[ex];
      for (int i = 0; i < n; i++) {
        System.arraycopy(im.data(), i * ex, one, 0, ex);
        out.put(i, Resize.resize(one, im.rows(), im.cols(), 1, size, size), 0);
      }
    }
    String resized = im.rows() == size && im.cols() == size ? "" : " (resized from " + im.rows() + "x" + im.cols() + ")";
    return out.describedAs("IDX " + file + ": " + n + " x " + size + "x" + size + "x1" + resized);
  }

  private static ByteImages random(int size, int channels, int examples, int limit, long seed) {
    int n = limit > 0 ? Math.min(limit, examples) : examples;
    ByteImages out = new ByteImages(n, size, size, channels);
    byte[] one = new byte[size * size * channels];
    Rng r = new Rng(Rng.mix(seed, 0x7A4D0FL));
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < one.length; k += 8) {
        long bits = r.nextLong();
        for (int b = 0; b < 8 && k + b < one.length; b++) {
          one[k + b] = (byte) (bits >>> (8 * b));
        }
      }
      out.put(i, one, 0);
    }
    return out.describedAs("RANDOM seed " + seed + ": " + n + " x " + size + "x" + size + "x" + channels);
  }
}
