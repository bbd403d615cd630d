package org.bgan.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.bgan.config.ExperimentConfigs;
import org.bgan.config.proto.Experiment;
import org.bgan.data.DataSources;
import org.bgan.train.TrainGraph;
import org.bgan.train.Trainer;
import org.bgan.util.UserException;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.types.TInt64;

/**
 * {@code bgan bench}: training throughput on the paper's 2-D workload (the PyTorch peer's
 * {@code mlp2d}), one {@code key=value} line per measurement in the peer's format.
 */
final class BenchCommand extends Command {
  @Override
  String name() {
    return "bench";
  }

  @Override
  String synopsis() {
    return "[--disc gan,bgan,mbgan] [--threads 1,2] [--reuse on|off] [--iters 50] [--warmup 5] [--rounds 3]";
  }

  @Override
  String description() {
    return String.join("\n",
        "Benchmark training throughput on the 2-D grid with the paper's MLPs (3x512 ReLU), batch 100,",
        "5 D steps + 1 G step per iteration (the PyTorch peer's workload mlp2d). For each discriminator",
        "kind and thread count prints: iters_per_s (full iterations), d_steps_per_s (D steps alone) and",
        "g_steps_per_s (G steps alone), each the median over --rounds timed rounds. TensorFlow's intra- and",
        "inter-op pools are both set to the thread count. Not a test: numbers depend on the machine.");
  }

  @Override
  Options options() {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("disc").hasArg().desc("comma list of gan, bgan, mbgan (default all)").build());
    o.addOption(Option.builder().longOpt("threads").hasArg().desc("comma list of thread counts (default 1,2)").build());
    o.addOption(Option.builder().longOpt("reuse").hasArg().desc("bgan/mbgan sample reuse m_(1-beta): on or off (default on)").build());
    o.addOption(Option.builder().longOpt("iters").hasArg().desc("timed iterations per round (default 50)").build());
    o.addOption(Option.builder().longOpt("warmup").hasArg().desc("untimed iterations (default 5)").build());
    o.addOption(Option.builder().longOpt("rounds").hasArg().desc("timed rounds; medians are reported (default 3)").build());
    o.addOption(Option.builder().longOpt("gamma").hasArg().desc("batch smoothing gamma (default 0.5, as the peer)").build());
    o.addOption(Option.builder().longOpt("trace").desc("instead of timing: trace --iters D steps per kind with TensorFlow's step stats"
        + " and print the op time per step by op type (the 12 largest), to see where a step's time goes").build());
    return o;
  }

  @Override
  int run(CommandLine cl) throws Exception {
    noPositional(cl);
    List<String> discs = Arrays.asList(cl.getOptionValue("disc", "gan,bgan,mbgan").split(","));
    for (String d : discs) {
      if (!List.of("gan", "bgan", "mbgan").contains(d)) {
        throw new UserException("--disc: unknown kind '" + d + "' (gan, bgan, mbgan)");
      }
    }
    List<Integer> threads = new ArrayList<>();
    for (String t : cl.getOptionValue("threads", "1,2").split(",")) {
      try {
        int v = Integer.parseInt(t.trim());
        if (v < 1) {
          throw new NumberFormatException();
        }
        threads.add(v);
      } catch (NumberFormatException e) {
        throw new UserException("--threads: '" + t + "' is not a positive whole number");
      }
    }
    String reuse = cl.getOptionValue("reuse", "on");
    if (!reuse.equals("on") && !reuse.equals("off")) {
      throw new UserException("--reuse must be on or off, got '" + reuse + "'");
    }
    int iters = (int) longOpt(cl, "iters", 50, 1);
    int warmup = (int) longOpt(cl, "warmup", 5, 0);
    int rounds = (int) longOpt(cl, "rounds", 3, 1);
    String gamma = cl.getOptionValue("gamma", "0.5");
    System.out.println("# bgan bench: workload=mlp2d batch=100 ndisc=5 java=" + System.getProperty("java.version")
        + " nproc=" + Runtime.getRuntime().availableProcessors());
    for (int t : threads) {
      for (String d : discs) {
        Experiment.Builder b = ExperimentConfigs.parse(DemoCommand.presetText(), DemoCommand.PRESET);
        for (String s : List.of("loss=" + d.toUpperCase(), "mixing.gamma=" + gamma, "mixing.reuse=" + reuse.equals("on"),
            "train.intra_op_threads=" + t, "train.inter_op_threads=" + t, "train.batch_size=100", "train.n_disc=5",
            "generator.hidden=512,512,512", "discriminator.hidden=512,512,512")) {
          ExperimentConfigs.applyOverride(b, s);
        }
        Experiment cfg = b.build();
        ExperimentConfigs.validate(cfg);
        if (cl.hasOption("trace")) {
          trace(cfg, d, t, warmup, iters);
          continue;
        }
        double[] it = new double[rounds];
        double[] ds = new double[rounds];
        double[] gs = new double[rounds];
        try (Graph g = new Graph()) {
          TrainGraph tg = TrainGraph.build(g, cfg, DataSources.create(cfg.getData()));
          try (Session s = new Session(g, Trainer.sessionConfig(t, t))) {
            s.initialize();
            long[] counter = {0};
            for (int w = 0; w < warmup; w++) {
              iteration(s, tg, counter);
            }
            for (int r = 0; r < rounds; r++) {
              long t0 = System.nanoTime();
              for (int i = 0; i < iters; i++) {
                iteration(s, tg, counter);
              }
              it[r] = iters / ((System.nanoTime() - t0) / 1e9);
              t0 = System.nanoTime();
              for (int i = 0; i < iters * 5; i++) {
                step(s, tg, tg.dTrain, counter);
              }
              ds[r] = iters * 5 / ((System.nanoTime() - t0) / 1e9);
              t0 = System.nanoTime();
              for (int i = 0; i < iters; i++) {
                step(s, tg, tg.gTrain, counter);
              }
              gs[r] = iters / ((System.nanoTime() - t0) / 1e9);
            }
          }
        }
        System.out.printf("workload=mlp2d threads=%d batch=100 iters_per_s=%.4f steps_per_s=%.4f disc=%s ndisc=5 "
            + "d_steps_per_s=%.3f g_steps_per_s=%.3f reuse=%d iters=%d rounds=%d%n", t, median(it), 6 * median(it), d,
            median(ds), median(gs), d.equals("gan") ? 0 : (reuse.equals("on") ? 1 : 0), iters, rounds);
        System.out.flush();
      }
    }
    return 0;
  }

  /** Op time per D step by op type, from TensorFlow's step stats (software trace). */
  private static void trace(Experiment cfg, String disc, int threads, int warmup, int iters) {
    try (Graph g = new Graph()) {
      TrainGraph tg = TrainGraph.build(g, cfg, DataSources.create(cfg.getData()));
      java.util.Map<String, String> typeOf = new java.util.HashMap<>();
      g.operations().forEachRemaining(op -> typeOf.put(op.name(), op.type()));
      java.util.Map<String, Long> byType = new java.util.HashMap<>();
      long total = 0;
      try (Session s = new Session(g, Trainer.sessionConfig(threads, threads))) {
        s.initialize();
        var opts = org.tensorflow.proto.RunOptions.newBuilder()
            .setTraceLevel(org.tensorflow.proto.RunOptions.TraceLevel.SOFTWARE_TRACE).build();
        for (int i = 0; i < warmup + iters; i++) {
          try (TInt64 seed = TInt64.vectorOf(0, i);
              org.tensorflow.Result r = s.runner().feed(tg.model.stepSeed(), seed).addTarget(tg.dTrain).setOptions(opts)
                  .runAndFetchMetadata()) {
            if (i < warmup) {
              continue;
            }
            for (var dev : r.getMetadata().orElseThrow().getStepStats().getDevStatsList()) {
              for (var ns : dev.getNodeStatsList()) {
                byType.merge(typeOf.getOrDefault(ns.getNodeName(), ns.getNodeName()), ns.getAllEndRelMicros(), Long::sum);
                total += ns.getAllEndRelMicros();
              }
            }
          }
        }
      }
      StringBuilder sb = new StringBuilder();
      byType.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(12)
          .forEach(e -> sb.append(String.format(" %s=%.0f", e.getKey(), e.getValue() / (double) iters)));
      System.out.printf("trace disc=%s threads=%d d_step_op_us=%.0f by_type_us:%s%n", disc, threads, total / (double) iters, sb);
    }
  }

  private static void iteration(Session s, TrainGraph tg, long[] counter) {
    for (int k = 0; k < 5; k++) {
      step(s, tg, tg.dTrain, counter);
    }
    step(s, tg, tg.gTrain, counter);
  }

  private static void step(Session s, TrainGraph tg, org.tensorflow.op.Op op, long[] counter) {
    try (TInt64 seed = TInt64.vectorOf(0, counter[0]++)) {
      s.runner().feed(tg.model.stepSeed(), seed).addTarget(op).run();
    }
  }

  static double median(double[] v) {
    double[] c = v.clone();
    Arrays.sort(c);
    return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
  }
}
