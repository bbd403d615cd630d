package org.bgan.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scores a generator SavedModel directly (no images on disk) and checks the frozen-graph import. */
class GeneratorScoringTest {
  @TempDir Path tmp;

  @Test
  void scoresAGeneratorDeterministically() throws Exception {
    Path model = tmp.resolve("model");
    TestModels.featureModel(model, "serving_default");
    Path gen = tmp.resolve("gen");
    TestModels.generator(gen);
    String[] args = {"score", "--model", model.toString(), "--generator", gen.toString(), "--num", "45",
        "--input-range", "0,1", "--json", "--quiet", "--splits", "3", "--batch-size", "20", "--seed", "7"};
    CliRun r1 = CliRun.of(args);
    assertThat(r1.code()).as(r1.err()).isZero();
    assertThat(r1.json("images")).isEqualTo(45);
    assertThat(r1.json("inception_score_mean")).isGreaterThan(1.0);
    CliRun r2 = CliRun.of(args);
    assertThat(r2.json("inception_score_mean")).isEqualTo(r1.json("inception_score_mean"));
    Path stats = tmp.resolve("gen.npz");
    CliRun withRef = CliRun.of("score", "--model", model.toString(), "--generator", gen.toString(), "--num", "30",
        "--input-range", "0,1", "--json", "--quiet", "--splits", "3", "--seed", "8", "--save-stats", stats.toString());
    assertThat(withRef.code()).as(withRef.err()).isZero();
    CliRun fid = CliRun.of("score", "--model", model.toString(), "--generator", gen.toString(), "--num", "30",
        "--input-range", "0,1", "--json", "--quiet", "--splits", "3", "--seed", "8", "--ref-stats", stats.toString());
    assertThat(Math.abs(fid.json("frechet_inception_distance"))).isLessThan(1e-9);

    // a base directory in TF Serving's layout ({base}/{version}/) scores its newest version: the same images
    Path base = tmp.resolve("base");
    java.nio.file.Files.createDirectories(base.resolve("1"));
    java.nio.file.Files.move(gen, base.resolve("7"));
    CliRun fromBase = CliRun.of(args[0], args[1], args[2], args[3], base.toString(), "--num", "45", "--input-range", "0,1",
        "--json", "--quiet", "--splits", "3", "--batch-size", "20", "--seed", "7");
    assertThat(fromBase.code()).as(fromBase.err()).isZero();
    assertThat(fromBase.json("inception_score_mean")).isEqualTo(r1.json("inception_score_mean"));

    CliRun notGen = CliRun.of("score", "--model", model.toString(), "--generator", model.toString(), "--num", "10",
        "--input-range", "0,1");
    assertThat(notGen.code()).isEqualTo(4);
    assertThat(notGen.err()).contains("input 'z' and output 'samples'");
  }
}
