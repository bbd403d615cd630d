package org.bgan.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.bgan.config.proto.Images;
import org.bgan.data.images.ImageDataset;
import org.bgan.data.images.ImageDatasets;
import org.bgan.util.UserException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bgan data}: outputs of any size, a piece at a time. */
class DataCommandTest {
  @TempDir
  Path tmp;

  @Test
  void aGridTooLargeForOnePngIsRefusedBeforeAnythingIsConverted() {
    // all of CelebA at 64x64 as one grid: 451 x 450 cells of 65 px; its floats (202,599 x 12,288) overflowed
    // an int array size (NegativeArraySizeException, exit 1)
    assertThatThrownBy(() -> DataCommand.checkGridSize(202_599, 64, 64, 451)).isInstanceOf(UserException.class)
        .hasMessageContaining("--num 202599").hasMessageContaining("--out DIR/");
    DataCommand.checkGridSize(60_000, 28, 28, 245);  // all of Fashion-MNIST: 7106 x 7106 pixels, fine
  }

  @Test
  void aDirectoryIsWrittenInPiecesWithTheSameImages() throws Exception {
    ImageDataset ds = ImageDatasets.open(Images.newBuilder().setFormat(Images.Format.RANDOM).setChannels(3)
        .setSize(8).setRandomExamples(10).build(), 0);
    Path whole = tmp.resolve("whole");
    DataCommand.writeEach(ds, 7, whole, Integer.MAX_VALUE);
    Path pieces = tmp.resolve("pieces");
    DataCommand.writeEach(ds, 7, pieces, 3 * 8 * 8 * 3);  // pieces of 3, 3 and 1 images
    try (var files = Files.list(pieces)) {
      assertThat(files.map(f -> f.getFileName().toString()).sorted())
          .containsExactly("image-00000.png", "image-00001.png", "image-00002.png", "image-00003.png",
              "image-00004.png", "image-00005.png", "image-00006.png");
    }
    float[] x = new float[8 * 8 * 3];
    for (int i = 0; i < 7; i++) {
      assertThat(Files.readAllBytes(pieces.resolve(String.format("image-%05d.png", i))))
          .isEqualTo(Files.readAllBytes(whole.resolve(String.format("image-%05d.png", i))));
      ds.copyTo(i, x, 0);
      var img = ImageIO.read(pieces.resolve(String.format("image-%05d.png", i)).toFile());
      int rgb = img.getRGB(5, 2) & 0xffffff;
      int o = (2 * 8 + 5) * 3;
      assertThat(rgb).as("image %d", i).isEqualTo((Math.round((x[o] + 1f) * 127.5f) << 16)
          | (Math.round((x[o + 1] + 1f) * 127.5f) << 8) | Math.round((x[o + 2] + 1f) * 127.5f));
    }
  }
}
