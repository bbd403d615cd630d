package org.bgan.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bgan.config.proto.Study;
import org.bgan.train.Checkpoints;
import org.bgan.train.Trainer;
import org.bgan.util.UserException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StudyRunnerTest {
  @TempDir
  Path tmp;

  private static final PrintStream QUIET = new PrintStream(java.io.OutputStream.nullOutputStream());

  private Path studyFile(Path out) throws Exception {
    Files.writeString(tmp.resolve("tiny.pbtxt"), """
        name: "t" data { synthetic2d { kind: RING train_size: 400 } }
        generator { hidden: [16, 16] } discriminator { hidden: [16, 16] }
        mixing { gamma: 0.3 }
        train { batch_size: 8 n_disc: 1 steps: 8 checkpoint_every: 4 summary_every: 1
                intra_op_threads: 1 inter_op_threads: 1 }
        eval { num_samples: 100 }
        """);
    Path f = tmp.resolve("study.pbtxt");
    Files.writeString(f, """
        name: "s" output_dir: "%s" seeds: [1, 2]
        set: "train.steps=8"
        arm { name: "gan" preset: "tiny.pbtxt" set: "loss=GAN" }
        arm { name: "bgan" preset: "tiny.pbtxt" set: "loss=BGAN" }
        """.formatted(out));
    return f;
  }

  @Test
  void relativeClassifierAndStatsPathsAreResolvedAgainstTheStudyFilesDirectory() throws Exception {
    Path graphs = Files.createDirectories(tmp.resolve("project/graphs"));
    Path f = graphs.resolve("study.pbtxt");
    Path abs = tmp.resolve("elsewhere/stats.npz").toAbsolutePath();
    Files.writeString(f, """
        name: "s" classifier: "../savedmodels/cls/1" reference_stats: "%s"
        arm { name: "gan" preset: "tiny.pbtxt" }
        """.formatted(abs));
    Study s = StudyRunner.load(f);
    // as 'preset' is: the same files whatever the current directory (the tests run in the project root)
    assertThat(s.getClassifier()).isEqualTo(tmp.resolve("project/savedmodels/cls/1").toAbsolutePath().toString());
    assertThat(s.getReferenceStats()).isEqualTo(abs.toString());

    Files.writeString(f, """
        name: "s" reference_stats: "stats/ref.npz"
        arm { name: "gan" preset: "tiny.pbtxt" }
        """);
    s = StudyRunner.load(f);
    assertThat(s.getReferenceStats()).isEqualTo(graphs.resolve("stats/ref.npz").toAbsolutePath().toString());
    // unset: the default, in the current directory, where train-fmnist --out savedmodels/... puts it
    assertThat(s.hasClassifier()).isFalse();
    assertThat(s.getClassifier()).isEqualTo("savedmodels/fmnist-classifier/1");

    Files.writeString(f, """
        name: "s" classifier: "~/cls"
        arm { name: "gan" preset: "tiny.pbtxt" }
        """);
    assertThatThrownBy(() -> StudyRunner.load(f)).isInstanceOf(UserException.class)
        .hasMessageContaining(f + ": field classifier '~/cls'");
    Files.writeString(f, """
        name: "s" classifier: ""
        arm { name: "gan" preset: "tiny.pbtxt" }
        """);
    assertThatThrownBy(() -> StudyRunner.load(f)).isInstanceOf(UserException.class)
        .hasMessageContaining(f + ": field classifier is empty");
  }

  @Test
  void runsEveryArmAndSeedAndWritesTheTableAndLossPlots() throws Exception {
    Path out = tmp.resolve("out");
    Path f = studyFile(out);
    Study s = StudyRunner.load(f);
    assertThat(StudyRunner.run(f, s, QUIET, false)).isZero();
    for (String arm : List.of("gan", "bgan")) {
      for (int seed : new int[] {1, 2}) {
        assertThat(out.resolve(arm + "/seed-" + seed + "/metrics.json")).isRegularFile();
      }
    }
    String md = Files.readString(out.resolve("results.md"));
    assertThat(md).contains("| gan | 2 |").contains("| bgan | 2 |");
    assertThat(Files.readString(out.resolve("results.json"))).contains("\"modes_captured\"").contains("\"se\"");
    assertThat(out.resolve("g_loss.png")).isRegularFile();
    assertThat(javax.imageio.ImageIO.read(out.resolve("d_loss.png").toFile()).getWidth()).isEqualTo(900);
    // Fig. 3: one panel per arm (the first seed's final samples): 2 x 320 px wide, 48 + 320 px high
    var panels = javax.imageio.ImageIO.read(out.resolve("final_samples.png").toFile());
    assertThat(panels.getWidth()).isEqualTo(2 * org.bgan.eval.SamplePanels.PANEL);
    assertThat(panels.getHeight()).isEqualTo(org.bgan.eval.SamplePanels.TOP + org.bgan.eval.SamplePanels.PANEL);
    // eval.num_samples: 100 final samples stored beside each run, from its exported generator
    assertThat(Files.readAllLines(out.resolve("gan/seed-1/final_samples.csv"))).hasSize(100);
    assertThat(Files.readString(out.resolve("bgan/seed-2/eval.json"))).contains("\"final_samples\"");
    assertThat(out.resolve("bgan/seed-2/generator/1/saved_model.pb")).isRegularFile();
  }

  @Test
  void metricsLoggedDuringTrainingArePlottedAgainstTheStepAsTheMeanOverSeeds() throws Exception {
    Path out = tmp.resolve("hist");
    Path f = studyFile(out);
    Files.writeString(f, Files.readString(f).replace("set: \"train.steps=8\"", "set: \"train.steps=8\" set: \"train.eval_every=4\""));
    assertThat(StudyRunner.run(f, StudyRunner.load(f), QUIET, false)).isZero();
    // Runs this short have no high-quality sample, so no reverse KL ("null"): give gan's some, with a
    // step of seed 2 still without one (left out of that step's mean), and leave bgan's without any.
    // The history is read from metrics.json; gan seed 2's has none, as a run of an older version, so
    // its metrics_history.jsonl is read instead.
    Path gan2 = out.resolve("gan/seed-2/metrics.json");
    String m2 = Files.readString(gan2);
    Files.writeString(gan2, m2.substring(0, m2.indexOf(",\n  \"history\"")) + "\n}\n");
    for (String[] r : List.of(new String[] {"gan/seed-1/metrics.json", "0.5", "0.25"},
        new String[] {"gan/seed-2/metrics_history.jsonl", "null", "0.75"},
        new String[] {"bgan/seed-1/metrics.json", "null", "null"}, new String[] {"bgan/seed-2/metrics.json", "null", "null"})) {
      Path h = out.resolve(r[0]);
      List<String> lines = new ArrayList<>();
      int edited = 0;
      for (String l : Files.readAllLines(h)) {
        String v = l.contains("{ \"step\": 4,") ? r[1] : l.contains("{ \"step\": 8,") ? r[2] : null;
        if (v != null) {
          edited++;
        }
        lines.add(v == null ? l : l.replaceFirst("\"reverse_kl\": [^,}]+", "\"reverse_kl\": " + v));
      }
      assertThat(edited).as(r[0]).isEqualTo(2);
      Files.write(h, lines);
    }
    StudyRunner.summarize(StudyRunner.load(f), out);
    String json = Files.readString(out.resolve("results.json"));
    String history = section(json, "\"history\"");
    for (String arm : List.of("gan", "bgan")) {
      for (String key : List.of("modes_captured", "high_quality_percent")) {
        // the runs' own logged values at steps 4 and 8, read here with a pattern of this test's
        List<Double> want = new ArrayList<>();
        for (long step : new long[] {4, 8}) {
          double sum = 0;
          for (int seed : new int[] {1, 2}) {
            String line = Files.readAllLines(out.resolve(arm + "/seed-" + seed + "/metrics_history.jsonl")).stream()
                .filter(l -> l.contains("\"step\": " + step + ",")).findFirst().orElseThrow();
            var m = java.util.regex.Pattern.compile("\"" + key + "\": ([-0-9.eE+]+)").matcher(line);
            assertThat(m.find()).as(line).isTrue();
            sum += Double.parseDouble(m.group(1));
          }
          want.add(sum / 2);
        }
        String curve = section(section(history, "\"" + key + "\""), "\"" + arm + "\"");
        assertThat(numbers(section(curve, "\"step\""))).as(arm + " " + key).containsExactly(4.0, 8.0);
        assertThat(numbers(section(curve, "\"mean\""))).as(arm + " " + key).containsExactly(want.get(0), want.get(1));
        assertThat(numbers(section(curve, "\"runs\""))).as(arm + " " + key).containsExactly(2.0, 2.0);
      }
    }
    String kl = section(history, "\"reverse_kl\"");
    String gan = section(kl, "\"gan\"");
    assertThat(numbers(section(gan, "\"step\""))).containsExactly(4.0, 8.0);
    assertThat(numbers(section(gan, "\"mean\""))).containsExactly(0.5, 0.5);
    assertThat(numbers(section(gan, "\"runs\""))).containsExactly(1.0, 2.0);
    assertThat(kl.substring(0, kl.indexOf('}', kl.indexOf('}') + 1) + 1)).as("bgan has no reverse KL curve")
        .doesNotContain("\"bgan\"");
    assertThat(javax.imageio.ImageIO.read(out.resolve("modes_captured.png").toFile()).getWidth()).isEqualTo(900);
    assertThat(out.resolve("high_quality_percent.png")).isRegularFile();
    assertThat(out.resolve("reverse_kl.png")).isRegularFile();
    assertThat(out.resolve("test_accuracy.png")).as("no run logs a test accuracy").doesNotExist();
  }

  /** The text of {@code json} from just after the first {@code key} on (a crude cursor for the test). */
  private static String section(String json, String key) {
    int i = json.indexOf(key);
    assertThat(i).as("%s in %s", key, json.length() > 400 ? json.substring(0, 400) + "..." : json).isNotNegative();
    return json.substring(i + key.length());
  }

  /** The numbers of the first [...] list in {@code text}. */
  private static List<Double> numbers(String text) {
    String list = text.substring(text.indexOf('[') + 1, text.indexOf(']'));
    return java.util.Arrays.stream(list.split(",")).map(String::trim).map(Double::parseDouble).toList();
  }

  @Test
  void aRunWithoutAReverseKlIsLeftOutOfThatColumnNotGivenAnEarlierStepsValue() throws Exception {
    Path out = tmp.resolve("out");
    Path f = studyFile(out);
    Study s = StudyRunner.load(f);
    assertThat(StudyRunner.run(f, s, QUIET, false)).isZero();
    // Seed 2 of bgan as a run whose generator left the data: no high-quality sample at the end, so no
    // reverse KL, while its history (written after "final") has one from an earlier step; seed 1 with one.
    setFinal(out.resolve("bgan/seed-1/metrics.json"), "3", "0.25");
    setFinal(out.resolve("bgan/seed-2/metrics.json"), "0", "null");
    double keptKl = 0.25;
    assertThat(StudyRunner.run(f, s, QUIET, false)).isZero();
    String json = Files.readString(out.resolve("results.json"));
    String bgan = json.substring(json.indexOf("\"method\": \"bgan\""));
    String kl = bgan.substring(bgan.indexOf("\"reverse_kl\""), bgan.indexOf(']', bgan.indexOf("\"reverse_kl\"")));
    assertThat(kl).doesNotContain("0.987654").contains(Double.toString(keptKl));
    assertThat(kl.split(",")).hasSize(3); // mean, se, and a one-value list
    assertThat(Files.readString(out.resolve("results.md"))).contains("(1 of 2)");
  }

  @Test
  void aBaselineGetsASeedBySeedTableOfDifferences() throws Exception {
    Path out = tmp.resolve("paired");
    Path f = studyFile(out);
    Files.writeString(f, Files.readString(f) + "baseline: \"gan\"\n");
    Study s = trainWithKnownFinals(f, out);
    StudyRunner.summarize(s, out);
    String md = Files.readString(out.resolve("results.md"));
    // modes: +1 and -1 -> mean 0, se = sd / sqrt(2) = sqrt(2) / sqrt(2) = 1; better (more) in 1 of 2.
    // KL: -0.25 and -0.1 -> mean -0.175, se 0.075; better (lower) in both. High quality: 0 and 0.
    assertThat(md).contains("## Against gan, seed by seed")
        .contains("| bgan | 2 | +0.0 ± 1.0 (better in 1 of 2) | +0.0 ± 0.0 (better in 0 of 2) | -0.175 ± 0.075 (better in 2 of 2) |");
    // every run's own figures, and each arm's median (of two: the mean of the two)
    assertThat(md).contains("## Per seed")
        .contains("| gan | 1 | 3.0 | 0.0 | 0.500 |").contains("| gan | 2 | 5.0 | 0.0 | 0.200 |")
        .contains("| gan | median | 4.0 | 0.0 | 0.350 |").contains("| bgan | median | 4.0 | 0.0 | 0.175 |");
    String json = Files.readString(out.resolve("results.json"));
    assertThat(json).contains("\"baseline\": \"gan\"").contains("\"per_seed\"");
    // a seed only one arm has finished is left out of the pairs
    Files.delete(out.resolve("gan/seed-2/metrics.json"));
    StudyRunner.summarize(s, out);
    assertThat(Files.readString(out.resolve("results.md"))).contains("| bgan | 1 | +1.0 ± 0.0 (better in 1 of 1) |")
        .contains("| gan | median | 3.0 | 0.0 | 0.500 |").doesNotContain("| gan | 2 |");
    // no baseline, no table
    Path plain = tmp.resolve("plain");
    Path g = studyFile(plain);
    StudyRunner.summarize(StudyRunner.load(g), Files.createDirectories(plain));
    assertThat(Files.readString(plain.resolve("results.md"))).doesNotContain("Against");
  }

  @Test
  void baselineFromTheCommandLineReplacesTheStudysOwn() throws Exception {
    Path out = tmp.resolve("cli-baseline");
    Path f = studyFile(out);
    trainWithKnownFinals(f, out);
    // The study file has no baseline; --baseline bgan gives gan − bgan: modes −1 and +1, KL +0.25 and +0.1.
    assertThat(cli(null, "study", f.toString(), "--summary", "--baseline", "bgan")).isZero();
    assertThat(Files.readString(out.resolve("results.md"))).contains("## Against bgan, seed by seed")
        .contains("| gan | 2 | +0.0 ± 1.0 (better in 1 of 2) | +0.0 ± 0.0 (better in 0 of 2) | +0.175 ± 0.075 (better in 0 of 2) |");
    // ... and over the study's own field
    Files.writeString(f, Files.readString(f) + "baseline: \"gan\"\n");
    assertThat(cli(null, "study", f.toString(), "--summary", "--baseline", "bgan")).isZero();
    assertThat(Files.readString(out.resolve("results.md"))).contains("## Against bgan").doesNotContain("Against gan");
    // an arm the study does not have: a one-line error naming the flag and the arms, exit 2, results untouched
    String before = Files.readString(out.resolve("results.md"));
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    assertThat(cli(err, "study", f.toString(), "--summary", "--baseline", "wgan")).isEqualTo(2);
    assertThat(err.toString()).contains("--baseline: 'wgan' is not one of the arms").contains("(gan, bgan)")
        .doesNotContain("\tat ");
    assertThat(Files.readString(out.resolve("results.md"))).isEqualTo(before);
  }

  /**
   * Trains the study's runs, then gives them known final figures: gan 3 and 5 modes, KL 0.5 and 0.2;
   * bgan 4 and 4 modes, KL 0.25 and 0.1 (seeds 1 and 2).
   */
  private static Study trainWithKnownFinals(Path f, Path out) throws Exception {
    Study s = StudyRunner.load(f);
    assertThat(StudyRunner.run(f, s, QUIET, false)).isZero();
    setFinal(out.resolve("gan/seed-1/metrics.json"), "3", "0.5");
    setFinal(out.resolve("gan/seed-2/metrics.json"), "5", "0.2");
    setFinal(out.resolve("bgan/seed-1/metrics.json"), "4", "0.25");
    setFinal(out.resolve("bgan/seed-2/metrics.json"), "4", "0.1");
    return s;
  }

  /** Replaces a run's final SPEC §7 block by one with the given mode count and reverse KL (JSON text). */
  private static void setFinal(Path metrics, String modes, String kl) throws Exception {
    String m = Files.readString(metrics);
    int from = m.indexOf("\"final\"");
    String fin = m.substring(from, m.indexOf('}', from));
    m = m.replace(fin, "\"final\": {\n    \"modes_captured\": " + modes + ",\n    \"modes\": 8,\n"
        + "    \"high_quality_percent\": 0.0,\n    \"reverse_kl\": " + kl + ",\n    \"samples\": 100\n  ");
    m = m.replace("\"history\": [", "\"history\": [\n    { \"step\": 4, \"reverse_kl\": 0.987654 },");
    Files.writeString(metrics, m);
  }

  @Test
  void anInterruptedStudyResumesAndFinishesWithTheSameTable() throws Exception {
    Path full = tmp.resolve("full");
    Path f1 = studyFile(full);
    StudyRunner.run(f1, StudyRunner.load(f1), QUIET, false);

    Path part = tmp.resolve("part");
    Path f2 = studyFile(part);
    Study s2 = StudyRunner.load(f2);
    // The interruption: the first arm's first seed stopped after its checkpoint at step 4.
    var e = StudyRunner.experiment(f2, s2, s2.getArm(0), 1).toBuilder();
    e.getTrainBuilder().setSteps(4);
    Trainer.run(e.build(), new Trainer.Options(false, QUIET, false));
    assertThat(part.resolve("gan/seed-1/metrics.json")).isRegularFile();
    Files.delete(part.resolve("gan/seed-1/metrics.json"));  // as if killed before the end
    StudyRunner.run(f2, s2, QUIET, false);
    String a = Files.readString(full.resolve("results.md"));
    String b = Files.readString(part.resolve("results.md"));
    // Every column but it/s (a timing) is the same: the resumed run retraces the uninterrupted one.
    assertThat(withoutTimings(b)).isEqualTo(withoutTimings(a)).anyMatch(l -> l.startsWith("| gan | 2 |"));
  }

  @Test
  void aStudyKilledMidRunResumesAndFinishesWithTheSameTable() throws Exception {
    // long enough runs that the kill falls inside the first one, after its first checkpoint
    String longer = "set: \"train.steps=1500\"\nset: \"train.checkpoint_every=100\"\n";
    Path full = tmp.resolve("full");
    Path f1 = studyFile(full);
    Files.writeString(f1, Files.readString(f1).replace("set: \"train.steps=8\"\n", longer));
    StudyRunner.run(f1, StudyRunner.load(f1), java.util.Set.of("gan", "bgan"), java.util.Set.of(1L), QUIET, false);

    Path part = tmp.resolve("part");
    Path f2 = studyFile(part);
    Files.writeString(f2, Files.readString(f2).replace("set: \"train.steps=8\"\n", longer));
    List<String> cmd = new ArrayList<>(org.bgan.util.ChildJvm.command("org.bgan.cli.Main"));
    cmd.addAll(List.of("study", f2.toString(), "--seeds", "1"));
    Path log = tmp.resolve("study.log");
    Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    Path first = part.resolve("gan/seed-1");
    try {
      long deadline = System.nanoTime() + 120_000_000_000L;
      while (Checkpoints.latest(first).isEmpty()) {
        assertThat(child.isAlive()).as("the study ended before its first checkpoint: %s", Files.readString(log)).isTrue();
        assertThat(System.nanoTime()).as("no checkpoint from the study within 2 minutes").isLessThan(deadline);
        Thread.sleep(20);
      }
    } finally {
      child.destroyForcibly();  // SIGKILL: no shutdown hook, no clean-up
      child.waitFor();
    }
    assertThat(first.resolve("metrics.json")).as("killed mid-run: %s", Files.readString(log)).doesNotExist();
    long at = Checkpoints.latest(first).orElseThrow().step();
    assertThat(at).isLessThan(1500);
    // started again, the study resumes the killed run from its checkpoint and runs the rest
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    StudyRunner.run(f2, StudyRunner.load(f2), java.util.Set.of("gan", "bgan"), java.util.Set.of(1L),
        new PrintStream(err, true), false);
    assertThat(err.toString()).contains(first + ": resuming");
    assertThat(withoutTimings(Files.readString(part.resolve("results.md"))))
        .isEqualTo(withoutTimings(Files.readString(full.resolve("results.md"))))
        .anyMatch(l -> l.startsWith("| gan | 1 |")).anyMatch(l -> l.startsWith("| bgan | 1 |"));
  }

  /** The Markdown with the cells under an "it/s" heading removed (timings differ between runs). */
  private static List<String> withoutTimings(String md) {
    List<String> out = new ArrayList<>();
    int timing = -1;
    for (String line : md.lines().toList()) {
      if (!line.startsWith("|")) {
        timing = -1;
        out.add(line);
        continue;
      }
      List<String> cells = new ArrayList<>(java.util.Arrays.asList(line.split("\\|", -1)));
      if (timing < 0 && cells.stream().anyMatch(c -> c.trim().equals("it/s"))) {
        timing = cells.stream().map(String::trim).toList().indexOf("it/s");
      }
      if (timing >= 0 && timing < cells.size()) {
        cells.remove(timing);
      }
      out.add(String.join("|", cells));
    }
    return out;
  }

  @Test
  void statusTellsWhichSeedsAreDoneDivergedStartedOrNotStartedAndWritesNothing() throws Exception {
    Path out = tmp.resolve("st");
    Path f = studyFile(out);
    Files.writeString(f, Files.readString(f).replace("seeds: [1, 2]", "seeds: [1, 2, 3]"));
    Study s = StudyRunner.load(f);
    // nothing trained yet: every run not started, and asking creates nothing
    assertThat(StudyRunner.status(f, s, null, null)).contains("| gan | – | – | – | 3 (1-3) |")
        .contains("| bgan | – | – | – | 3 (1-3) |").contains("0 of 6 runs done, 0 diverged, 0 started and not finished");
    assertThat(out).doesNotExist();

    StudyRunner.run(f, s, null, java.util.Set.of(1L), QUIET, false);
    // gan seed 2 stopped after its checkpoint at step 4 (as in the interrupted-study test)
    var e = StudyRunner.experiment(f, s, s.getArm(0), 2).toBuilder();
    e.getTrainBuilder().setSteps(4);
    Trainer.run(e.build(), new Trainer.Options(false, QUIET, false));
    Files.delete(out.resolve("gan/seed-2/metrics.json"));
    // bgan seed 3 diverged: the study records such a run with a "diverged" metrics.json
    Files.createDirectories(out.resolve("bgan/seed-3"));
    Files.writeString(out.resolve("bgan/seed-3/metrics.json"), "{ \"name\": \"t\", \"seed\": 3, \"diverged\": \"NaN\" }");
    // bgan seed 1 trained but not scored (e.g. the study was stopped while it scored it)
    Files.delete(out.resolve("bgan/seed-1/eval.json"));
    List<String> files;
    try (var w = Files.walk(out)) {
      files = w.map(p -> p + " " + p.toFile().lastModified()).sorted().toList();
    }

    String st = StudyRunner.status(f, s, null, null);
    assertThat(st).contains("| gan | 1 (1) | – | 2: step 4 of 8 | 1 (3) |")
        .contains("| bgan | 1 (1), 1 not yet scored (1) | 1 (3) | – | 1 (2) |")
        .contains("2 of 6 runs done, 1 diverged, 1 started and not finished").contains("2 not started")
        .doesNotContain("other settings");
    // --arms and --seeds narrow it
    assertThat(StudyRunner.status(f, s, java.util.Set.of("bgan"), java.util.Set.of(2L, 3L)))
        .contains("| bgan | – | 1 (3) | – | 1 (2) |").doesNotContain("| gan |").contains("0 of 2 runs done");
    // a finished run trained with other settings than the study now gives is named, as 'study' would refuse it
    Files.writeString(f, Files.readString(f).replace("set: \"loss=BGAN\"", "set: \"loss=BGAN\" set: \"mixing.gamma=0.1\""));
    assertThat(StudyRunner.status(f, StudyRunner.load(f), null, null))
        .contains("the study refuses it: " + out.resolve("bgan/seed-1") + " (mixing.gamma)")
        .doesNotContain(out.resolve("bgan/seed-2").toString()).doesNotContain(out.resolve("gan/seed-1").toString());
    try (var w = Files.walk(out)) {
      assertThat(w.map(p -> p + " " + p.toFile().lastModified()).sorted().toList()).isEqualTo(files);
    }

    // from the command line: the table on stdout, exit 0; with --summary, --jobs or --baseline a usage error
    PrintStream oldOut = System.out;
    java.io.ByteArrayOutputStream stdout = new java.io.ByteArrayOutputStream();
    System.setOut(new PrintStream(stdout, true));
    int code;
    try {
      code = org.bgan.cli.Main.run(new String[] {"study", f.toString(), "--status", "--arms", "gan"});
    } finally {
      System.setOut(oldOut);
    }
    assertThat(code).isZero();
    assertThat(stdout.toString()).contains("| gan | 1 (1) | – | 2: step 4 of 8 | 1 (3) |").doesNotContain("| bgan |");
    for (String other : new String[] {"--summary", "--jobs=2", "--baseline=gan"}) {
      java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
      assertThat(cli(err, "study", f.toString(), "--status", other)).as(other).isEqualTo(2);
      assertThat(err.toString()).contains("--status only reports").contains(other.replaceFirst("=.*", "")).doesNotContain("\tat ");
    }
  }

  @Test
  void seedListsAreWrittenAsTheRangesSeedsAccepts() {
    assertThat(StudyRunner.countAndSeeds(List.of(0L, 1L, 2L, 5L, 7L, 8L))).isEqualTo("6 (0-2,5,7-8)");
    assertThat(StudyRunner.countAndSeeds(List.of(4L))).isEqualTo("1 (4)");
    assertThat(StudyRunner.countAndSeeds(List.of(-3L, -2L, -1L, 1L))).isEqualTo("4 (-3--1,1)");
    assertThat(StudyRunner.countAndSeeds(List.of())).isEqualTo("–");
  }

  @Test
  void runsTrainedWithOtherSettingsThanTheStudyNowGivesAreRefusedNotReportedOrResumedUnderTheNewOnes() throws Exception {
    Path out = tmp.resolve("out");
    Path f = studyFile(out);
    assertThat(StudyRunner.run(f, StudyRunner.load(f), QUIET, false)).isZero();
    String table = Files.readString(out.resolve("results.md"));
    // The same study again: every run is done, nothing to refuse
    assertThat(StudyRunner.run(f, StudyRunner.load(f), QUIET, false)).isZero();
    // An arm's setting changed after its runs finished
    Files.writeString(f, Files.readString(f).replace("set: \"loss=BGAN\"", "set: \"loss=BGAN\" set: \"mixing.gamma=0.1\""));
    assertThatThrownBy(() -> StudyRunner.run(f, StudyRunner.load(f), QUIET, false)).isInstanceOf(UserException.class)
        .hasMessageContaining(out.resolve("bgan/seed-1").toString()).hasMessageContaining("(mixing.gamma)")
        .hasMessageContaining("remove");
    // ... also in parallel, before any run starts
    assertThatThrownBy(() -> ParallelStudy.run(f, StudyRunner.load(f), null, null, 2, List.of("unused"), QUIET, false))
        .isInstanceOf(UserException.class).hasMessageContaining("(mixing.gamma)");
    // The study's budget changed (train.steps, which a resumed run may change)
    Files.writeString(f, Files.readString(f).replace(" set: \"mixing.gamma=0.1\"", "").replace("train.steps=8", "train.steps=12"));
    assertThatThrownBy(() -> StudyRunner.run(f, StudyRunner.load(f), QUIET, false)).isInstanceOf(UserException.class)
        .hasMessageContaining(out.resolve("gan/seed-1").toString()).hasMessageContaining("(train.steps)");
    assertThat(Files.readString(out.resolve("results.md"))).isEqualTo(table);
    // An interrupted run (checkpoints, no metrics.json) whose arm changed: refused in the study's terms, not
    // with the trainer's --resume / --allow-config-changes advice (flags a study does not have)
    Files.writeString(f, Files.readString(f).replace("train.steps=12", "train.steps=8")
        .replace("set: \"loss=BGAN\"", "set: \"loss=BGAN\" set: \"mixing.gamma=0.1\""));
    Files.delete(out.resolve("bgan/seed-1/metrics.json"));
    assertThatThrownBy(() -> StudyRunner.run(f, StudyRunner.load(f), QUIET, false)).isInstanceOf(UserException.class)
        .hasMessageContaining("the interrupted run " + out.resolve("bgan/seed-1")).hasMessageContaining("(mixing.gamma)")
        .hasMessageNotContaining("--allow-config-changes");
  }

  /** The first n columns of each table row. */
  private static List<String> columns(String md, int n) {
    return md.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| method"))
        .map(l -> String.join("|", java.util.Arrays.asList(l.split("\\|")).subList(0, n + 2))).toList();
  }

  @Test
  void partsOfTheGridAddUpToTheWholeStudy() throws Exception {
    Path out = tmp.resolve("parts");
    Path f = studyFile(out);
    Study s = StudyRunner.load(f);
    assertThat(StudyRunner.run(f, s, java.util.Set.of("bgan"), java.util.Set.of(2L), QUIET, false)).isZero();
    assertThat(out.resolve("bgan/seed-2/metrics.json")).isRegularFile();
    assertThat(out.resolve("bgan/seed-1")).doesNotExist();
    assertThat(out.resolve("gan")).doesNotExist();
    assertThat(Files.readString(out.resolve("results.md"))).contains("| bgan | 1 |");
    // the rest of the grid from the command line, in two parts
    assertThat(cli(null, "study", f.toString(), "--seeds", "1")).isZero();
    assertThat(cli(null, "study", f.toString(), "--arms", "gan", "--seeds", "1-2"))
        .isZero();
    String md = Files.readString(out.resolve("results.md"));
    assertThat(md).contains("| gan | 2 |").contains("| bgan | 2 |");
  }

  @Test
  void runsInParallelJvmsGiveTheSameTableAsOneAfterAnother() throws Exception {
    Path serial = tmp.resolve("serial");
    Path f1 = studyFile(serial);
    assertThat(StudyRunner.run(f1, StudyRunner.load(f1), QUIET, false)).isZero();
    Path par = tmp.resolve("par");
    Path f2 = studyFile(par);
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    assertThat(cli(err, "study", f2.toString(), "--jobs", "2")).as(err.toString()).isZero();
    for (String arm : List.of("gan", "bgan")) {
      for (int seed : new int[] {1, 2}) {
        assertThat(par.resolve(arm + "/seed-" + seed + "/metrics.json")).isRegularFile();
        assertThat(Files.readString(par.resolve("logs/" + arm + "-seed-" + seed + ".log"))).contains("step 8/8");
        assertThat(err.toString()).contains(par.resolve(arm + "/seed-" + seed) + ": starting")
            .contains(par.resolve(arm + "/seed-" + seed) + ": done in ");
      }
    }
    // each run is the same computation in a JVM of its own: the same modes, quality and KL
    assertThat(columns(Files.readString(par.resolve("results.md")), 3))
        .isEqualTo(columns(Files.readString(serial.resolve("results.md")), 3));
    // all done: a second call starts nothing
    java.io.ByteArrayOutputStream again = new java.io.ByteArrayOutputStream();
    assertThat(cli(again, "study", f2.toString(), "--jobs", "2")).isZero();
    assertThat(again.toString()).doesNotContain("starting").contains(": done");
  }

  @Test
  void aFailingParallelRunStopsTheQueueAndNamesItsLog() throws Exception {
    Path out = tmp.resolve("fail");
    Path f = studyFile(out);
    // a stand-in for the child JVM that fails the way a run would: a message, then exit code 3
    List<String> failing = List.of("/bin/sh", "-c", "echo 'step 1/8'; echo 'bgan study: error: boom' >&2; exit 3", "sh");
    java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
    int code = ParallelStudy.run(f, StudyRunner.load(f), null, null, 2, failing, new PrintStream(log, true), false);
    assertThat(code).isEqualTo(3);
    String text = log.toString();
    assertThat(text).contains("exited with code 3").contains("bgan study: error: boom")
        .contains(out.resolve("logs/gan-seed-1.log").toString()).contains("not starting the 2 runs still queued");
    // the first two of the four runs were started (two jobs; seed by seed: gan and bgan of seed 1),
    // the last two (seed 2) never were
    assertThat(out.resolve("logs/bgan-seed-1.log")).isRegularFile();
    assertThat(out.resolve("logs/gan-seed-2.log")).doesNotExist();
    assertThat(out.resolve("logs/bgan-seed-2.log")).doesNotExist();
  }

  @Test
  void jobsOutOfRangeOrWithSummaryAreRefused() throws Exception {
    Path f = studyFile(tmp.resolve("j"));
    for (String[] args : List.of(new String[] {"--jobs", "0"}, new String[] {"--jobs", "65"},
        new String[] {"--jobs", "two"}, new String[] {"--jobs", "2", "--summary"})) {
      java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
      String[] full = new String[args.length + 2];
      full[0] = "study";
      full[1] = f.toString();
      System.arraycopy(args, 0, full, 2, args.length);
      assertThat(cli(err, full)).as(String.join(" ", args)).isEqualTo(2);
      assertThat(err.toString()).contains("--jobs").doesNotContain("\tat ");
    }
    // --summary covers every run present: a part of the grid with it was silently ignored
    for (String[] args : List.of(new String[] {"--summary", "--arms", "gan"}, new String[] {"--seeds", "1", "--summary"})) {
      java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
      assertThat(cli(err, "study", f.toString(), args[0], args[1], args[2])).isEqualTo(2);
      assertThat(err.toString()).contains("--summary summarizes every run present: give one of them");
    }
    assertThat(tmp.resolve("j")).doesNotExist();
  }

  @Test
  void badSeedAndArmSelectionsNameTheFlag() throws Exception {
    Path f = studyFile(tmp.resolve("sel"));
    for (String[] args : List.of(new String[] {"--seeds", "3"}, new String[] {"--seeds", "1-x"},
        new String[] {"--arms", "wgan"})) {
      java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
      assertThat(cli(err, "study", f.toString(), args[0], args[1])).as(String.join(" ", args)).isEqualTo(2);
      assertThat(err.toString()).contains(args[0]).doesNotContain("\tat ");
    }
    assertThat(tmp.resolve("sel")).doesNotExist();
  }

  @Test
  void aSeedListedTwiceIsRefusedNotCountedTwice() throws Exception {
    // seeds: [1, 1] trained one run and tabled it as "2 seeds done" with a standard error of 0
    Path f = tmp.resolve("dup.pbtxt");
    Files.writeString(f, "name: \"d\" seeds: [1, 2, 1] arm { name: \"a\" preset: \"p.pbtxt\" }");
    assertThatThrownBy(() -> StudyRunner.load(f)).isInstanceOf(UserException.class)
        .hasMessageContaining(f + ": seeds [1, 2, 1] lists a seed twice");
  }

  @Test
  void setsOfFieldsTheStudySetsItselfAreRefusedNotIgnored() throws Exception {
    // the study's train.seed, train.output_dir and train.export=false came after these and won silently
    Path f = tmp.resolve("owned.pbtxt");
    for (String[] c : List.of(new String[] {"set: \"train.seed=5\" ", "set 'train.seed=5'", "'seeds'"},
        new String[] {"set: \"train.output_dir=x\" ", "set 'train.output_dir=x'", "'output_dir'"},
        new String[] {"arm { name: \"b\" preset: \"p.pbtxt\" set: \"train.export=true\" }", "arm 'b': set 'train.export=true'",
            "<run>/generator/"},
        new String[] {"arm { name: \"b\" preset: \"p.pbtxt\" set: \" train.seed = 3\" }", "arm 'b': set ' train.seed = 3'",
            "'seeds'"})) {
      Files.writeString(f, "name: \"o\" " + c[0] + " arm { name: \"a\" preset: \"p.pbtxt\" }");
      assertThatThrownBy(() -> StudyRunner.load(f)).as(c[0]).isInstanceOf(UserException.class)
          .hasMessageContaining(f + ": " + c[1] + ": the study sets").hasMessageContaining(c[2]);
    }
    // what the study sets anyway stays allowed (the 2-D studies say so explicitly)
    Files.writeString(f, "name: \"o\" set: \"train.export=false\" arm { name: \"a\" preset: \"p.pbtxt\" }");
    assertThat(StudyRunner.load(f).getSetList()).containsExactly("train.export=false");
    // every shipped study loads, and each of its arms' configs (preset plus the study's sets) validates
    List<Path> shipped;
    try (var files = Files.list(Path.of("graphs"))) {
      shipped = files.filter(p -> p.getFileName().toString().matches("study_.*\\.pbtxt")).sorted().toList();
    }
    assertThat(shipped).hasSizeGreaterThanOrEqualTo(9).contains(Path.of("graphs/study_semi_fmnist.pbtxt"));
    for (Path study : shipped) {
      Study st = StudyRunner.load(study);
      assertThat(st.getArmCount()).as(study.toString()).isPositive();
      for (org.bgan.config.proto.Arm a : st.getArmList()) {
        assertThat(StudyRunner.experiment(study, st, a, 0).getName()).as(study + " " + a.getName()).isNotEmpty();
      }
    }
  }

  @Test
  void summaryOfAStudyWithNoOutputDirectoryIsAnErrorNotAnEmptyTable() throws Exception {
    // it made the directory and wrote a table of no runs, exit 0
    Path out = tmp.resolve("never-ran");
    Path f = studyFile(out);
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    assertThat(cli(err, "study", f.toString(), "--summary")).isEqualTo(2);
    assertThat(err.toString()).contains("--summary: no runs to summarize: the study's output directory " + out
        + " does not exist");
    assertThat(out).doesNotExist();
    // an output_dir that is a file was an internal error (FileAlreadyExistsException)
    Files.writeString(out, "not a directory");
    err.reset();
    assertThat(cli(err, "study", f.toString(), "--summary")).isEqualTo(2);
    assertThat(err.toString()).contains(out + " is a file, not a directory").doesNotContain("internal error")
        .doesNotContain("\tat ");
  }

  @Test
  void studyAndArmNamesOfOnlyDotsAreRefused() throws Exception {
    // name ".." put the study in runs/studies/.. = runs/, an arm ".." its runs beside the study's directory
    Path f = tmp.resolve("dots.pbtxt");
    Files.writeString(f, "name: \"..\" arm { name: \"a\" preset: \"p.pbtxt\" }");
    assertThatThrownBy(() -> StudyRunner.load(f)).isInstanceOf(UserException.class)
        .hasMessageContaining(f + ": study name '..' must be non-empty").hasMessageContaining("not be only dots");
    Files.writeString(f, "name: \"s\" arm { name: \".\" preset: \"p.pbtxt\" }");
    assertThatThrownBy(() -> StudyRunner.load(f)).isInstanceOf(UserException.class)
        .hasMessageContaining(f + ": arm name '.' must be non-empty").hasMessageContaining("not be only dots");
    Files.writeString(f, "name: \"v1.2\" arm { name: \"..a\" preset: \"p.pbtxt\" }");
    assertThat(StudyRunner.load(f).getArm(0).getName()).isEqualTo("..a");
  }

  @Test
  void aBadSetOfTheStudyNamesTheStudyFileAndNotAFlag() throws Exception {
    // "study arm 'a': --set 'train.stepz=3': ..." named a flag 'bgan study' does not have, and no file
    Path f = studyFile(tmp.resolve("bad-set"));
    Files.writeString(f, Files.readString(f).replace("set: \"train.steps=8\"", "set: \"train.stepz=8\""));
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    assertThat(cli(err, "study", f.toString())).isEqualTo(2);
    assertThat(err.toString()).contains(f + ": arm 'gan': set 'train.stepz=8': unknown field 'stepz'")
        .doesNotContain("--set");
    assertThat(tmp.resolve("bad-set")).doesNotExist();
  }

  /** Runs the command line with stdout and stderr captured (stderr into {@code err} if given). */
  private static int cli(java.io.ByteArrayOutputStream err, String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    System.setOut(QUIET);
    System.setErr(err == null ? QUIET : new PrintStream(err, true));
    try {
      return org.bgan.cli.Main.run(args);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void badStudiesGetClearMessages() throws Exception {
    Path f = tmp.resolve("bad.pbtxt");
    Files.writeString(f, "name: \"x\" arm { name: \"a\" preset: \"missing.pbtxt\" }");
    Study s = StudyRunner.load(f);
    assertThatThrownBy(() -> StudyRunner.experiment(f, s, s.getArm(0), 0)).isInstanceOf(UserException.class)
        .hasMessageContaining("arm 'a'").hasMessageContaining("missing.pbtxt");
    Files.writeString(f, "name: \"x\"");
    assertThatThrownBy(() -> StudyRunner.load(f)).isInstanceOf(UserException.class).hasMessageContaining("at least one");
    Files.writeString(f, "name: \"x\" arms { }");
    assertThatThrownBy(() -> StudyRunner.load(f)).isInstanceOf(UserException.class).hasMessageContaining("bad.pbtxt");
    Files.writeString(f, "name: \"x\" baseline: \"gan\" arm { name: \"a\" preset: \"p.pbtxt\" }");
    assertThatThrownBy(() -> StudyRunner.load(f)).isInstanceOf(UserException.class)
        .hasMessageContaining("baseline 'gan' is not one of the study's arms (a)");
    assertThatThrownBy(() -> StudyRunner.load(tmp.resolve("nope.pbtxt"))).isInstanceOf(UserException.class)
        .hasMessageContaining("not found");
    // an experiment preset given to 'bgan study': the parse error, and what the file is
    Path preset = Path.of("graphs/grid2d_mlp_bgan.pbtxt");
    assertThatThrownBy(() -> StudyRunner.load(preset)).isInstanceOf(UserException.class)
        .hasMessageContaining(preset + ":").hasMessageContaining("this is an experiment config (one run), not a study")
        .hasMessageContaining("tools/bgan train " + preset);
    assertThatThrownBy(() -> StudyRunner.load(f)).isInstanceOf(UserException.class).hasMessageNotContaining("experiment config");
  }
}
