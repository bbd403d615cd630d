package org.bgan.scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.bgan.metrics.FeatureExtractor;
import org.bgan.metrics.ImageBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TUint8;

class ImportGraphDefTest {
  @TempDir Path tmp;

  @Test
  void importsAFrozenGraphWithTheClassicNodeNames() throws Exception {
    Path pb = tmp.resolve("classify_image_graph_def.pb");
    TestModels.writeClassicPb(pb);
    Path out = tmp.resolve("inception");
    CliRun r = CliRun.of("import-graphdef", pb.toString(), "--out", out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("'features' [N,6]").contains("'logits' [N,4]");
    assertThat(Files.exists(out.resolve("saved_model.pb"))).isTrue();

    // two 20x24 images in one batch through the SavedModel ...
    int h = 20;
    int w = 24;
    byte[] rgb = new byte[2 * h * w * 3];
    new Random(3).nextBytes(rgb);
    float[] feats;
    float[] logits;
    try (SavedModelExtractor x = SavedModelExtractor.open(out, new ModelSpec())) {
      assertThat(x.featureDim()).isEqualTo(6);
      assertThat(x.classCount()).isEqualTo(4);
      FeatureExtractor.Output o = x.extract(new ImageBatch(2, h, w, rgb));
      feats = o.features();
      logits = o.classes();
    }
    // ... equal the original graph run one image at a time, and logits omit softmax/biases
    try (Graph g = TestModels.classicLikeGraph(); Session s = new Session(g)) {
      for (int i = 0; i < 2; i++) {
        byte[] one = java.util.Arrays.copyOfRange(rgb, i * h * w * 3, (i + 1) * h * w * 3);
        try (TUint8 t = TUint8.tensorOf(Shape.of(h, w, 3), DataBuffers.of(one, true, false));
            Result res = s.runner().feed("DecodeJpeg", t).fetch("pool_3/_reshape").fetch("softmax/logits/MatMul").run()) {
          float[] f = new float[6];
          ((TFloat32) res.get(0)).asRawTensor().data().asFloats().read(f);
          float[] l = new float[4];
          ((TFloat32) res.get(1)).asRawTensor().data().asFloats().read(l);
          for (int k = 0; k < 6; k++) {
            assertThat(feats[i * 6 + k]).isCloseTo(f[k], within(1e-5f));
          }
          for (int k = 0; k < 4; k++) {
            assertThat(logits[i * 4 + k]).isCloseTo(l[k], within(1e-5f));
          }
        }
      }
    }
    // the imported model takes any size and the scorer does not resize for it: --resize alone changed
    // nothing (same numbers) and is refused; with --input-size it applies
    Path imgs = tmp.resolve("imgs");
    ScorerEndToEndTest.writeImages(imgs, 6, 4, 0.1);
    CliRun resize = CliRun.of("score", "--model", out.toString(), "--images", imgs.toString(), "--resize", "area",
        "--splits", "2", "--quiet");
    assertThat(resize.code()).isEqualTo(2);
    assertThat(resize.err()).contains("--resize area: the input 'images' of " + out + " takes images of any size")
        .contains("--input-size").doesNotContain("images in");
    CliRun sized = CliRun.of("score", "--model", out.toString(), "--images", imgs.toString(), "--resize", "area",
        "--input-size", "16x16", "--splits", "2", "--quiet");
    assertThat(sized.code()).as(sized.err()).isZero();
    assertThat(sized.err()).contains("resize 16x16 area");
    CliRun again = CliRun.of("import-graphdef", pb.toString(), "--out", out.toString());
    assertThat(again.code()).isEqualTo(3);
    Path junk = tmp.resolve("junk.pb");
    Files.writeString(junk, "this is not a graph");
    CliRun j = CliRun.of("import-graphdef", junk.toString(), "--out", tmp.resolve("x").toString());
    assertThat(j.code()).isEqualTo(3);
    assertThat(j.err()).contains("junk.pb");
  }
}
