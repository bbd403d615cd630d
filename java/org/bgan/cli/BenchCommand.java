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
import org.bgan.data.FedImages;
import org.bgan.data.RealSource;
import org.bgan.data.images.BatchStream;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
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
    return "[--workload mlp2d|dcgan28|sncnn32] [--disc gan,bgan,mbgan] [--threads 1,2] [--reuse on|off] [--iters N] [--warmup N] [--rounds 3] [--set key=value]...";
  }

  @Override
  String description() {
    return String.join("\n",
        "Benchmark training throughput on the PyTorch peer's workloads: mlp2d (the 2-D grid with the paper's",
        "MLPs, 3x512 ReLU, batch 100, 5 D steps + 1 G step per iteration; the default), dcgan28 (28x28x1",
        "DCGAN-sized G/D, width 64, z 128, batch 64, 1 D step + 1 G step) and sncnn32 (Miyato's standard CNN",
        "on 32x32x3, batch 64, 1 + 1), the image workloads on a pool of 8 random batches as the peer does.",
        "For each discriminator",
        "kind and thread count prints: iters_per_s (full iterations), d_steps_per_s (D steps alone) and",
        "g_steps_per_s (G steps alone), each the median over --rounds timed rounds. Each thread count runs in a",
        "child JVM of its own (TensorFlow sizes a process's thread pool at its first session). TensorFlow's intra- and",
        "inter-op pools are both set to the thread count. Not a test: numbers depend on the machine.");
  }

  @Override
  Options options() {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("workload").hasArg().desc("mlp2d (default), dcgan28 or sncnn32").build());
    o.addOption(Option.builder().longOpt("disc").hasArg().desc("comma list of gan, bgan, mbgan, bgan-noeq, mbgan-noeq (default gan,bgan,mbgan); "
        + "-noeq: the same loss and mixed batches with a per-sample discriminator, to isolate the cost of the equivariant layers").build());
    o.addOption(Option.builder().longOpt("threads").hasArg().desc("comma list of thread counts (default 1,2)").build());
    o.addOption(Option.builder().longOpt("reuse").hasArg().desc("bgan/mbgan sample reuse m_(1-beta): on or off (default on for mlp2d, off for the image workloads, as the peer)").build());
    o.addOption(Option.builder().longOpt("iters").hasArg().desc("timed iterations per round (default: mlp2d 50, dcgan28 20, sncnn32 10)").build());
    o.addOption(Option.builder().longOpt("warmup").hasArg().desc("untimed iterations (default: mlp2d 5, dcgan28 3, sncnn32 2)").build());
    o.addOption(Option.builder().longOpt("rounds").hasArg().desc("timed rounds; medians are reported (default 3)").build());
    o.addOption(Option.builder().longOpt("gamma").hasArg().desc("batch smoothing gamma (default 0.5, as the peer)").build());
    o.addOption(Option.builder().longOpt("trace").desc("instead of timing: trace --iters D steps per kind with TensorFlow's step stats"
        + " and print the op time per step by op type (the 12 largest) and the ops run per step by type, to see where a step's"
        + " time goes").build());
    o.addOption(Option.builder().longOpt("set").hasArg().argName("key=value").desc("override a config field of every kind after"
        + " the workload's own settings (repeatable), e.g. techniques.minibatch_discrimination=true").build());
    return o;
  }

  @Override
  int run(CommandLine cl) throws Exception {
    noPositional(cl);
    List<String> discs = Arrays.asList(cl.getOptionValue("disc", "gan,bgan,mbgan").split(","));
    if (discs.isEmpty()) {
      // "--disc ," split into nothing: the header was printed, nothing measured, exit 0
      throw new UserException("--disc: no kinds in '" + cl.getOptionValue("disc") + "' (gan, bgan, mbgan, bgan-noeq, mbgan-noeq)");
    }
    for (String d : discs) {
      if (!List.of("gan", "bgan", "mbgan", "bgan-noeq", "mbgan-noeq").contains(d)) {
        throw new UserException("--disc: unknown kind '" + d + "' (gan, bgan, mbgan, bgan-noeq, mbgan-noeq)");
      }
      if (discs.indexOf(d) != discs.lastIndexOf(d)) {
        throw new UserException("--disc: " + d + " is listed twice");
      }
    }
    List<Integer> threads = new ArrayList<>();
    for (String t : cl.getOptionValue("threads", "1,2").split(",")) {
      try {
        int v = Integer.parseInt(t.trim());
        if (v < 1) {
          throw new NumberFormatException();
        }
        org.bgan.config.ExperimentConfigs.threadsAtMost("--threads", v);
        if (threads.contains(v)) {
          throw new UserException("--threads: " + v + " is listed twice");
        }
        threads.add(v);
      } catch (NumberFormatException e) {
        throw new UserException("--threads: '" + t + "' is not a positive whole number");
      }
    }
    if (threads.isEmpty()) {
      // "--threads ," split into nothing: an index error (exit 1)
      throw new UserException("--threads: no thread counts in '" + cl.getOptionValue("threads") + "' (e.g. 1,2)");
    }
    String workload = cl.getOptionValue("workload", "mlp2d");
    if (!List.of("mlp2d", "dcgan28", "sncnn32").contains(workload)) {
      throw new UserException("--workload: unknown workload '" + workload + "' (mlp2d, dcgan28, sncnn32)");
    }
    boolean mlp = workload.equals("mlp2d");
    String reuse = cl.getOptionValue("reuse", mlp ? "on" : "off");
    if (!reuse.equals("on") && !reuse.equals("off")) {
      throw new UserException("--reuse must be on or off, got '" + reuse + "'");
    }
    int iters = intOpt(cl, "iters", mlp ? 50 : workload.equals("dcgan28") ? 20 : 10, 1);
    int warmup = intOpt(cl, "warmup", mlp ? 5 : workload.equals("dcgan28") ? 3 : 2, 0);
    int rounds = intOpt(cl, "rounds", 3, 1);
    if (cl.hasOption("trace") && cl.hasOption("rounds")) {
      throw new UserException("--rounds is for timing; --trace traces --iters D steps of each kind once (drop --rounds)");
    }
    String gamma = cl.getOptionValue("gamma", "0.5");
    float g;
    try {
      g = Float.parseFloat(gamma.trim());
    } catch (NumberFormatException e) {
      throw new UserException("--gamma expects a number in [0, 0.5], got '" + gamma + "'");
    }
    if (!(g >= 0f && g <= 0.5f)) {
      throw new UserException("--gamma must be in [0, 0.5], got " + gamma);
    }
    int batch = mlp ? 100 : 64;
    int nDisc = mlp ? 5 : 1;
    List<String> userSets = cl.hasOption("set") ? List.of(cl.getOptionValues("set")) : List.of();
    for (String u : userSets) {
      String flag = FLAG_FIELDS.get(u.substring(0, Math.max(0, u.indexOf('='))).trim());
      if (flag != null) {
        // applied after the flags, it would change every kind while the report still gives the flags' values
        throw new UserException("--set '" + u + "': that field is set by " + flag + "; use " + flag + " instead");
      }
    }
    if (threads.size() > 1) {
      // TensorFlow fixes a process's intra-op pool at its first session: one child JVM per thread count
      for (int t : threads) {
        List<String> args = new ArrayList<>(List.of("bench"));
        for (Option opt : cl.getOptions()) {
          args.add("--" + opt.getLongOpt());
          if (opt.hasArg()) {
            args.add(opt.getLongOpt().equals("threads") ? Integer.toString(t) : opt.getValue());
          }
        }
        if (!cl.hasOption("threads")) {
          args.add("--threads");
          args.add(Integer.toString(t));
        }
        int code = org.bgan.util.ChildJvm.run(Main.class.getName(), args, System.out);
        if (code != 0) {
          return code;
        }
      }
      return 0;
    }
    int t = threads.get(0);
    // Every kind's config first: a bad --set fails before any graph is built (a child JVM checks its own).
    List<Experiment> cfgs = new ArrayList<>();
    for (String d : discs) {
      cfgs.add(config(d, t, workload, gamma, reuse, batch, nDisc, userSets));
    }
    System.out.println("# bgan bench: workload=" + workload + " batch=" + batch + " ndisc=" + nDisc + " java="
        + System.getProperty("java.version") + " nproc=" + Runtime.getRuntime().availableProcessors()
        + (userSets.isEmpty() ? "" : " set=" + String.join(",", userSets)));
    // Every kind is built first, then the rounds alternate between them, so that a slow spell of a
    // shared machine falls on all kinds alike and the medians stay comparable.
    List<Bench> benches = new ArrayList<>();
    try {
      for (int k = 0; k < discs.size(); k++) {
        if (cl.hasOption("trace")) {
          trace(cfgs.get(k), discs.get(k), t, warmup, iters);
          continue;
        }
        benches.add(new Bench(discs.get(k), cfgs.get(k), batch, nDisc, rounds));
      }
      for (Bench x : benches) {
        for (int w = 0; w < warmup; w++) {
          x.iteration();
        }
      }
      int dIters = Math.max(iters, 5) * nDisc;
      for (int r = 0; r < rounds; r++) {
        for (Bench x : benches) {
          x.round(r, iters, dIters);
        }
      }
      for (Bench x : benches) {
        System.out.printf("workload=%s threads=%d batch=%d iters_per_s=%.4f steps_per_s=%.4f disc=%s ndisc=%d "
            + "d_steps_per_s=%.3f g_steps_per_s=%.3f reuse=%d iters=%d rounds=%d%n", workload, t, batch, median(x.it),
            (nDisc + 1) * median(x.it), x.disc, nDisc, median(x.ds), median(x.gs),
            x.disc.equals("gan") ? 0 : (reuse.equals("on") ? 1 : 0), iters, rounds);
      }
      System.out.flush();
    } finally {
      for (Bench x : benches) {
        x.close();
      }
    }
    return 0;
  }

  /** Config fields that bench's own flags set for each kind (and name in the report). */
  private static final java.util.Map<String, String> FLAG_FIELDS = java.util.Map.of("loss", "--disc",
      "discriminator.equivariant", "--disc (the -noeq kinds)", "mixing.gamma", "--gamma", "mixing.reuse", "--reuse",
      "train.intra_op_threads", "--threads", "train.inter_op_threads", "--threads");

  private static Experiment config(String d, int t, String workload, String gamma, String reuse, int batch, int nDisc,
      List<String> userSets) throws java.io.IOException {
    boolean mlp = workload.equals("mlp2d");
    Experiment.Builder b = ExperimentConfigs.parse(DemoCommand.presetText(), DemoCommand.PRESET);
    List<String> sets = new ArrayList<>(List.of("loss=" + d.replace("-noeq", "").toUpperCase(), "mixing.gamma=" + gamma,
        "mixing.reuse=" + reuse.equals("on"), "train.intra_op_threads=" + t, "train.inter_op_threads=" + t,
        "train.batch_size=" + batch, "train.n_disc=" + nDisc));
    if (mlp) {
      sets.addAll(List.of("generator.hidden=512,512,512", "discriminator.hidden=512,512,512"));
    } else {
      b.clearGenerator().clearDiscriminator();
      boolean dc = workload.equals("dcgan28");
      b.getDataBuilder().setImages(org.bgan.config.proto.Images.newBuilder()
          .setFormat(org.bgan.config.proto.Images.Format.RANDOM).setSize(dc ? 28 : 32).setChannels(dc ? 1 : 3)
          .setRandomExamples(8 * batch));
      String arch = dc ? "DCGAN" : "SNCNN";
      sets.addAll(List.of("generator.arch=" + arch, "discriminator.arch=" + arch, "generator.z_dim=128",
          "generator.width=64", "discriminator.width=64", "g_optimizer.learning_rate=0.0002",
          "g_optimizer.beta1=0.5", "d_optimizer.learning_rate=0.0002", "d_optimizer.beta1=0.5",
          "eval.grid_samples=4"));
    }
    if (d.endsWith("-noeq")) {
      sets.add("discriminator.equivariant=false");
    }
    sets.addAll(userSets);
    for (String s : sets) {
      ExperimentConfigs.applyOverride(b, s);
    }
    Experiment cfg = b.build();
    ExperimentConfigs.validate(cfg);
    if (cfg.getTrain().getBatchSize() != batch || cfg.getTrain().getNDisc() != nDisc) {
      throw new UserException("--set: train.batch_size and train.n_disc are the workload's (" + batch + ", " + nDisc
          + "); choose another --workload instead");
    }
    return cfg;
  }

  /** One kind's graph and session, and its timings per round. */
  private static final class Bench implements AutoCloseable {
    final String disc;
    final Graph graph = new Graph();
    final TrainGraph tg;
    final Session session;
    final Pool pool;
    final int nDisc;
    final long[] counter = {0};
    final double[] it;
    final double[] ds;
    final double[] gs;

    Bench(String disc, Experiment cfg, int batch, int nDisc, int rounds) {
      this.disc = disc;
      this.nDisc = nDisc;
      RealSource data = DataSources.create(cfg.getData());
      this.tg = TrainGraph.build(graph, cfg, data);
      int t = cfg.getTrain().getIntraOpThreads();
      this.session = new Session(graph, Trainer.sessionConfig(t, t));
      this.pool = new Pool(tg, data, batch);
      session.initialize();
      it = new double[rounds];
      ds = new double[rounds];
      gs = new double[rounds];
    }

    void iteration() {
      BenchCommand.iteration(session, tg, counter, nDisc, pool);
    }

    void round(int r, int iters, int dIters) {
      long t0 = System.nanoTime();
      for (int i = 0; i < iters; i++) {
        iteration();
      }
      it[r] = iters / ((System.nanoTime() - t0) / 1e9);
      t0 = System.nanoTime();
      for (int i = 0; i < dIters; i++) {
        step(session, tg, tg.dTrain, counter, pool);
      }
      ds[r] = dIters / ((System.nanoTime() - t0) / 1e9);
      t0 = System.nanoTime();
      for (int i = 0; i < iters; i++) {
        step(session, tg, tg.gTrain, counter, pool);
      }
      gs[r] = iters / ((System.nanoTime() - t0) / 1e9);
    }

    @Override
    public void close() {
      pool.close();
      session.close();
      graph.close();
    }
  }

  /** Op time per D step by op type, from TensorFlow's step stats (software trace). */
  private static void trace(Experiment cfg, String disc, int threads, int warmup, int iters) {
    try (Graph g = new Graph()) {
      RealSource data = DataSources.create(cfg.getData());
      TrainGraph tg = TrainGraph.build(g, cfg, data);
      java.util.Map<String, String> typeOf = new java.util.HashMap<>();
      g.operations().forEachRemaining(op -> typeOf.put(op.name(), op.type()));
      java.util.Map<String, Long> byType = new java.util.HashMap<>();
      long total = 0;
      long nodes = 0;
      try (Session s = new Session(g, Trainer.sessionConfig(threads, threads)); Pool pool = new Pool(tg, data, cfg.getTrain().getBatchSize())) {
        s.initialize();
        var opts = org.tensorflow.proto.RunOptions.newBuilder()
            .setTraceLevel(org.tensorflow.proto.RunOptions.TraceLevel.SOFTWARE_TRACE).build();
        for (int i = 0; i < warmup + iters; i++) {
          Session.Runner runner = s.runner();
          pool.feed(runner, tg);
          try (TInt64 seed = TInt64.vectorOf(0, i);
              org.tensorflow.Result r = runner.feed(tg.model.stepSeed(), seed).addTarget(tg.dTrain).setOptions(opts)
                  .runAndFetchMetadata()) {
            if (i < warmup) {
              continue;
            }
            for (var dev : r.getMetadata().orElseThrow().getStepStats().getDevStatsList()) {
              for (var ns : dev.getNodeStatsList()) {
                byType.merge(typeOf.getOrDefault(ns.getNodeName(), ns.getNodeName()), ns.getAllEndRelMicros(), Long::sum);
                total += ns.getAllEndRelMicros();
                nodes++;
              }
            }
          }
        }
      }
      StringBuilder sb = new StringBuilder();
      byType.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(12)
          .forEach(e -> sb.append(String.format(" %s=%.0f", e.getKey(), e.getValue() / (double) iters)));
      System.out.printf("trace disc=%s threads=%d d_step_op_us=%.0f ops_per_step=%.0f by_type_us:%s%n", disc, threads,
          total / (double) iters, nodes / (double) iters, sb);
    }
  }

  /** For fed (image) data: the peer's pool of 8 real batches, used in turn. */
  private static final class Pool implements AutoCloseable {
    final List<TFloat32> batches = new ArrayList<>();
    int next;

    Pool(TrainGraph tg, RealSource data, int batch) {
      if (data instanceof FedImages fi) {
        try (BatchStream st = new BatchStream(fi.dataset(), batch, 0, 0, 1)) {
          for (int i = 0; i < 8; i++) {
            batches.add(TFloat32.tensorOf(tg.model.realBatch().shape(), DataBuffers.of(st.next(), true, false)));
          }
        }
      }
    }

    void feed(Session.Runner r, TrainGraph tg) {
      if (!batches.isEmpty()) {
        r.feed(tg.model.realBatch(), batches.get(next));
        next = (next + 1) % batches.size();
      }
    }

    @Override
    public void close() {
      batches.forEach(TFloat32::close);
    }
  }

  private static void iteration(Session s, TrainGraph tg, long[] counter, int nDisc, Pool pool) {
    for (int k = 0; k < nDisc; k++) {
      step(s, tg, tg.dTrain, counter, pool);
    }
    step(s, tg, tg.gTrain, counter, pool);
  }

  private static void step(Session s, TrainGraph tg, org.tensorflow.op.Op op, long[] counter, Pool pool) {
    try (TInt64 seed = TInt64.vectorOf(0, counter[0]++)) {
      Session.Runner r = s.runner().feed(tg.model.stepSeed(), seed).addTarget(op);
      pool.feed(r, tg);
      r.run();
    }
  }

  static double median(double[] v) {
    double[] c = v.clone();
    Arrays.sort(c);
    return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
  }
}
