package org.bgan.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trains a short version of the Fashion-MNIST classifier on the Debian package's files (CI installs
 * dataset-fashion-mnist), exports it, and scores folders of real test images with it. The full
 * training (train-fmnist with its defaults) reaches >= 91 % and is run by hand; here 3000 images and
 * 2 epochs must reach 70 % (a broken gradient or data pipeline stays near 10 %).
 */
class FmnistClassifierTest {
  static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");
  @TempDir Path tmp;

  @Test
  void trainsExportsAndScoresRealImages() throws Exception {
    Path model = tmp.resolve("fmnist/1");
    CliRun t = CliRun.of("train-fmnist", "--out", model.toString(), "--epochs", "2", "--train-limit", "3000",
        "--min-accuracy", "0.70", "--data", DATA.toString());
    assertThat(t.code()).as(t.err()).isZero();
    assertThat(t.out()).contains("test accuracy");

    FmnistClassifier.Data test = FmnistClassifier.readIdx(FmnistClassifier.idx(DATA, "t10k-images-idx3-ubyte"),
        FmnistClassifier.idx(DATA, "t10k-labels-idx1-ubyte"), 300);
    Path all = tmp.resolve("all");
    Path shirts = tmp.resolve("class0");
    Files.createDirectories(all);
    Files.createDirectories(shirts);
    for (int i = 0; i < 300; i++) {
      BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
      for (int p = 0; p < 784; p++) {
        img.getRaster().setSample(p % 28, p / 28, 0, Math.round(test.images()[i * 784 + p] * 255));
      }
      ImageIO.write(img, "png", all.resolve(String.format("%04d.png", i)).toFile());
      if (test.labels()[i] == 0) {
        ImageIO.write(img, "png", shirts.resolve(String.format("%04d.png", i)).toFile());
      }
    }
    CliRun inspect = CliRun.of("inspect", "--model", model.toString());
    assertThat(inspect.code()).as(inspect.err()).isZero();
    assertThat(inspect.out()).contains("features").contains("logits' (10)").contains("28x28");
    // all classes: high IS; a single class: IS near 1, and FID(all, one class) > FID(all, all)
    CliRun a = CliRun.of("score", "--model", model.toString(), "--images", all.toString(), "--ref", all.toString(),
        "--json", "--quiet", "--kid-subsets", "5", "--kid-subset-size", "100");
    assertThat(a.code()).as(a.err()).isZero();
    CliRun s = CliRun.of("score", "--model", model.toString(), "--images", shirts.toString(), "--ref", all.toString(),
        "--json", "--quiet", "--splits", "2", "--kid-subsets", "5", "--kid-subset-size", "100");
    assertThat(s.code()).as(s.err()).isZero();
    assertThat(a.json("inception_score_mean")).isGreaterThan(4.0);
    assertThat(s.json("inception_score_mean")).isLessThan(2.5);
    assertThat(Math.abs(a.json("frechet_inception_distance"))).isLessThan(1e-8);
    assertThat(s.json("frechet_inception_distance")).isGreaterThan(1.0);
    assertThat(s.json("kernel_inception_distance_mean")).isGreaterThan(a.json("kernel_inception_distance_mean"));
  }

  /** Below --min-accuracy: exit 3 and no model (one was left behind, "SavedModel written to" on stdout). */
  @Test
  void belowMinAccuracyWritesNoModel() {
    Path model = tmp.resolve("weak/1");
    CliRun t = CliRun.of("train-fmnist", "--out", model.toString(), "--epochs", "1", "--train-limit", "100",
        "--min-accuracy", "0.99", "--data", DATA.toString());
    assertThat(t.code()).as(t.err()).isEqualTo(3);
    assertThat(t.err()).contains("is below --min-accuracy 0.9900").contains("no model written");
    assertThat(t.out()).doesNotContain("SavedModel written");
    assertThat(model).doesNotExist();
    assertThat(model.getParent()).doesNotExist();
  }
}
