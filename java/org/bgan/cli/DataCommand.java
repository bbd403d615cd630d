package org.bgan.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.bgan.config.proto.Experiment;
import org.bgan.data.images.ImageDataset;
import org.bgan.data.images.ImageDatasets;
import org.bgan.data.images.ImageGrid;
import org.bgan.util.AtomicFiles;
import org.bgan.util.UserException;

/** {@code bgan data CONFIG --num N --out DIR/|GRID.png}: the real images a config trains on, as PNG. */
final class DataCommand extends Command {
  @Override
  String name() {
    return "data";
  }

  @Override
  String synopsis() {
    return "graphs/<preset>.pbtxt [--set key=value]... --num N --out DIR/|GRID.png";
  }

  @Override
  String description() {
    return String.join("\n",
        "Write the first N real images of a config's image data, exactly as the networks see them (size,",
        "crop, channels), as one PNG grid (--out GRID.png) or one PNG per image (--out DIR/, image-00000.png,",
        "...): to look at the data, or as the reference folder of the scorer (tools/inception-score). Use",
        "--set data.images.path=... to pick another file, e.g. Fashion-MNIST's t10k-images-idx3-ubyte.gz.",
        "A directory that already holds image-*.png files is refused (old and new images would mix).");
  }

  @Override
  Options options() {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("set").hasArg().argName("key=value").desc("override a config field (repeatable)").build());
    o.addOption(Option.builder().longOpt("num").hasArg().argName("N").desc("number of images (at most the dataset's size)").build());
    o.addOption(Option.builder().longOpt("out").hasArg().argName("PATH").desc("a .png grid, or a directory (existing, or ending in '/')").build());
    return o;
  }

  /** Floats converted per piece of a directory output (64 MB). */
  static final int CHUNK_FLOATS = 16 << 20;

  /** The largest grid written as one PNG, in pixels (a 16384 x 16384 image, 1 GiB as RGB ints). */
  static final long MAX_GRID_PIXELS = 1L << 28;

  /**
   * The first {@code num} images of {@code ds} as {@code dir/image-00000.png}, ..., converted to floats
   * a piece of at most {@code chunkFloats} floats (but at least one image) at a time: all of a large
   * dataset at once would not fit one array (more than 2^31 floats), nor the heap.
   */
  static void writeEach(ImageDataset ds, int num, Path dir, int chunkFloats) throws java.io.IOException {
    int h = ds.height();
    int w = ds.width();
    int c = ds.channels();
    int per = h * w * c;
    int chunk = Math.max(1, Math.min(num, chunkFloats / per));
    float[] px = new float[chunk * per];
    for (int first = 0; first < num; first += chunk) {
      int n = Math.min(chunk, num - first);
      for (int i = 0; i < n; i++) {
        ds.copyTo(first + i, px, i * per);
      }
      ImageGrid.writeEach(dir, "image-", px, n, h, w, c, first, num);
    }
  }

  /** Refuses a grid too large for one image, pointing to the directory output. */
  static void checkGridSize(int num, int h, int w, int cols) {
    long rows = (num + (long) cols - 1) / cols;
    long gw = cols * (w + 1L) + 1;
    long gh = rows * (h + 1L) + 1;
    if (gw * gh > MAX_GRID_PIXELS) {
      throw new UserException("--num " + num + ": a grid of " + num + " images of " + w + "x" + h + " would be "
          + gw + "x" + gh + " pixels, more than one PNG here holds (" + MAX_GRID_PIXELS + " pixels); write them one"
          + " per file with --out DIR/, or ask for fewer");
    }
  }

  @Override
  int run(CommandLine cl) throws Exception {
    Experiment cfg = TrainCommand.loadConfig(onlyPositional(cl, "config file (e.g. graphs/fmnist_dcgan_gan.pbtxt)"), cl);
    if (!cl.hasOption("num") || !cl.hasOption("out")) {
      throw new UserException("--num N and --out PATH are required");
    }
    if (cfg.getData().getSourceCase() != org.bgan.config.proto.Data.SourceCase.IMAGES) {
      throw new UserException("the config's data is not images (data { images { ... } })");
    }
    int num = intOpt(cl, "num", 0, 1);
    String outArg = cl.getOptionValue("out");
    Path out = Path.of(outArg);
    boolean dir = outArg.endsWith("/") || Files.isDirectory(out);
    if (!dir && !outArg.toLowerCase().endsWith(".png")) {
      throw new UserException("--out " + outArg + ": give a .png file (a grid) or a directory ending in '/'");
    }
    if (dir) {
      ImageGrid.requireNoEarlierImages(out, "image-", "--out");
    }
    ImageDataset ds = ImageDatasets.open(cfg.getData().getImages(), 0);
    if (num > ds.size()) {
      throw new UserException("--num " + num + ": the data has only " + ds.size() + " images (" + ds.describe() + ")");
    }
    int h = ds.height();
    int w = ds.width();
    int c = ds.channels();
    int cols = (int) Math.ceil(Math.sqrt(num));
    if (!dir) {
      checkGridSize(num, h, w, cols);
    }
    AtomicFiles.ensureWritableDir(dir ? out.toAbsolutePath() : out.toAbsolutePath().getParent(), "--out directory");
    int per = h * w * c;
    if (dir) {
      writeEach(ds, num, out, CHUNK_FLOATS);
    } else {
      float[] px = new float[num * per];  // fits: checkGridSize bounds num·h·w
      for (int i = 0; i < num; i++) {
        ds.copyTo(i, px, i * per);
      }
      ImageGrid.write(out, px, num, h, w, c, cols);
    }
    System.err.println("wrote " + num + " images of " + ds.describe() + " to " + out);
    return 0;
  }
}
