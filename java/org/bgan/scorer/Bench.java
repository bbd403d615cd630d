package org.bgan.scorer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.bgan.metrics.ActivationStats;
import org.bgan.metrics.Fid;
import org.bgan.metrics.ImageBatch;
import org.bgan.metrics.MomentAccumulator;

/**
 * The scorer's benchmark: FID from two d-dimensional statistics (median of repeats) and images/s
 * through an Inception-v3-size model, each beside its Python peer run in the same command, and the
 * float64 matrix product behind FID (d×d×d, and its micro-kernel on cached operands)
 * (tools/bench/fid_scipy.py: scipy.linalg.sqrtm as in the reference FID code; tools/bench/torch_inception.py:
 * torchvision's inception_v3) when /usr/bin/python3 has them.
 */
final class Bench {
  private Bench() {}

  static void run(PrintStream out, PrintStream err, String what, Path model, int images, int batch, int repeats,
      int dim, boolean torch, int[] threadList, int rounds) throws IOException {
    int threads = threadList[threadList.length - 1];
    org.bgan.metrics.Parallel.setThreads(threads);
    Path root = projectRoot();
    if (what.contains("fid")) {
      Path tmp = Files.createTempDirectory("bench-fid");
      try {
        Random rng = new Random(0);
        ActivationStats[] st = new ActivationStats[2];
        int n = dim + dim / 2;
        for (int k = 0; k < 2; k++) {
          MomentAccumulator acc = new MomentAccumulator(dim);
          float[] x = new float[100 * dim];
          for (int b = 0; b < n; b += 100) {
            for (int i = 0; i < x.length; i++) {
              x[i] = (float) (Math.abs(rng.nextGaussian()) * (1 + 0.2 * k) + (i % 7) * 0.01);
            }
            acc.add(x, 0, 100);
          }
          st[k] = acc.toStats();
          st[k].save(tmp.resolve("s" + k + ".npz"));
        }
        double[] times = new double[repeats];
        double[] cpu = new double[repeats];
        double fid = 0;
        Fid.compute(st[0], st[1]); // warm-up (JIT)
        CpuLoad load = CpuLoad.start();
        long tAll = System.nanoTime();
        for (int r = 0; r < repeats; r++) {
          long c0 = CpuLoad.processCpuNanos();
          long t0 = System.nanoTime();
          fid = Fid.compute(st[0], st[1]).fid();
          times[r] = (System.nanoTime() - t0) / 1e9;
          cpu[r] = (CpuLoad.processCpuNanos() - c0) / 1e9;
        }
        Arrays.sort(times);
        Arrays.sort(cpu);
        double foreign = load.foreign((System.nanoTime() - tAll) / 1e9);
        out.printf(Locale.ROOT, "bench=fid impl=java dim=%d threads=%d median_s=%.3f min_s=%.3f fid=%.10g repeats=%d "
            + "median_cpu_s=%.3f foreign_cpu=%.3f%n", dim, threads, times[repeats / 2], times[0], fid, repeats,
            cpu[repeats / 2], foreign);
        out.flush();
        // one more run with the time of each stage (docs/scorer.md has the method)
        CpuLoad pload = CpuLoad.start();
        long tp = System.nanoTime();
        double[] stage = Fid.profile(st[0].sigma(), st[1].sigma(), dim);
        double pforeign = pload.foreign((System.nanoTime() - tp) / 1e9);
        StringBuilder sb = new StringBuilder("bench=fid-profile impl=java kernel="
            + org.bgan.metrics.DenseMath.productKernel().replace(' ', '_'));
        for (int i = 0; i < stage.length; i++) {
          sb.append(String.format(Locale.ROOT, " %s_s=%.3f", Fid.STAGES[i], stage[i]));
        }
        sb.append(String.format(Locale.ROOT, " foreign_cpu=%.3f", pforeign));
        out.println(sb);
        out.flush();
        Path py = root.resolve("tools/bench/fid_scipy.py");
        if (torch && Files.isRegularFile(Path.of("/usr/bin/python3")) && Files.isRegularFile(py)) {
          python(out, err, "/usr/bin/python3", py.toString(), tmp.resolve("s0.npz").toString(),
              tmp.resolve("s1.npz").toString(), "--repeats", Integer.toString(Math.min(repeats, 3)),
              "--threads", Integer.toString(threads));
        }
      } finally {
        Models.deleteTree(tmp);
      }
    }
    if (what.contains("gemm")) {
      int n = dim;
      double[] t = org.bgan.metrics.DenseMath.timeProduct(n, repeats);
      double kernel = org.bgan.metrics.DenseMath.kernelGflops(200_000);
      out.printf(Locale.ROOT, "bench=gemm impl=java kernel=%s n=%d threads=%d median_s=%.4f min_s=%.4f gflops=%.2f "
          + "kernel_cached_gflops_1thread=%.2f repeats=%d%n", org.bgan.metrics.DenseMath.productKernel().replace(' ', '_'),
          n, threads, t[repeats / 2], t[0], 2.0 * n * n * n / t[repeats / 2] / 1e9, kernel, repeats);
      out.flush();
    }
    if (what.contains("images")) {
      images(out, err, root, model, images, batch, rounds, threadList, torch);
    }
  }

  /**
   * Images/s through the model (default: a random-weight Inception v3 built here), alternating, round by
   * round and for each thread count, this project's TF Java extractor (in this process) and
   * torchvision's Inception v3 (tools/bench/torch_inception.py through /usr/bin/python3 with
   * OMP_WAIT_POLICY=PASSIVE, torch and OpenBLAS pinned to the same thread count). Each measurement line
   * carries foreign_cpu: the CPU time other processes used during the timed loop, as a fraction of
   * wall time × cores. Ends with one summary line per thread count: medians over the rounds and their
   * ratio.
   */
  private static void images(PrintStream out, PrintStream err, Path root, Path model, int images, int batch,
      int rounds, int[] threadList, boolean torch) throws IOException {
    Path tmp = null;
    try {
      // TensorFlow sizes a process's intra-op thread pool at its first session and ignores the thread
      // count of later ones: the model is built in a child JVM, and each thread count is timed in a child
      // JVM of its own when there are several, so that the session timed is the first of its process
      if (model == null) {
        tmp = Files.createTempDirectory("bench-inception");
        model = tmp.resolve("inception");
        err.println("building a random-weight Inception v3 SavedModel in " + model + " ...");
        int code = org.bgan.util.ChildJvm.run(ScorerMain.class.getName(),
            java.util.List.of("random-inception", "--out", model.toString()), line -> { });
        if (code != 0) {
          throw new IOException("building the random-weight Inception v3 failed (exit code " + code + ")");
        }
      }
      if (threadList.length > 1) {
        for (int threads : threadList) {
          java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("bench", "--what", "images",
              "--model", model.toString(), "--images", Integer.toString(images), "--batch-size",
              Integer.toString(batch), "--rounds", Integer.toString(rounds), "--threads", Integer.toString(threads),
              "--torch", torch ? "on" : "off"));
          int code = org.bgan.util.ChildJvm.run(ScorerMain.class.getName(), args, out);
          if (code != 0) {
            throw new IOException("the images/s benchmark at " + threads + " threads failed (exit code " + code + ")");
          }
        }
        return;
      }
      Path py = root.resolve("tools/bench/torch_inception.py");
      boolean peer = torch && Files.isRegularFile(Path.of("/usr/bin/python3")) && Files.isRegularFile(py);
      byte[] rgb = new byte[batch * 299 * 299 * 3];
      new Random(1).nextBytes(rgb);
      ImageBatch b = new ImageBatch(batch, 299, 299, rgb);
      for (int threads : threadList) {
        ModelSpec spec = new ModelSpec();
        spec.tfThreads = threads;
        double[] ours = new double[rounds];
        double[] theirs = new double[rounds];
        int peerRounds = 0;
        double maxForeign = 0;
        try (SavedModelExtractor x = SavedModelExtractor.open(model, spec)) {
          err.println(x.summary());
          x.extract(b); // warm-up
          for (int r = 0; r < rounds; r++) {
            CpuLoad load = CpuLoad.start();
            int done = 0;
            long t0 = System.nanoTime();
            while (done < images) {
              x.extract(b);
              done += batch;
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            double foreign = load.foreign(secs);
            maxForeign = Math.max(maxForeign, foreign);
            ours[r] = done / secs;
            out.printf(Locale.ROOT, "bench=images impl=tf-java-1.0.0 model=inception_v3 batch=%d threads=%d images=%d "
                + "secs=%.2f images_per_s=%.3f foreign_cpu=%.3f round=%d%n", batch, threads, done, secs, ours[r],
                foreign, r + 1);
            out.flush();
            if (peer) {
              for (String line : python(out, err, "/usr/bin/python3", py.toString(), "--images",
                  Integer.toString(images), "--batch", Integer.toString(batch), "--threads",
                  Integer.toString(threads))) {
                String ips = field(line, "images_per_s");
                if (ips != null) {
                  theirs[peerRounds++] = Double.parseDouble(ips);
                  String f = field(line, "foreign_cpu");
                  if (f != null) {
                    maxForeign = Math.max(maxForeign, Double.parseDouble(f));
                  }
                }
              }
            }
          }
        }
        double mo = median(ours, rounds);
        if (peerRounds > 0) {
          double mt = median(theirs, peerRounds);
          out.printf(Locale.ROOT, "summary=images threads=%d rounds=%d ours_median_images_per_s=%.3f "
              + "torch_median_images_per_s=%.3f ratio=%.2f max_foreign_cpu=%.3f%n", threads, rounds, mo, mt,
              mo / mt, maxForeign);
        } else {
          out.printf(Locale.ROOT, "summary=images threads=%d rounds=%d ours_median_images_per_s=%.3f "
              + "max_foreign_cpu=%.3f (no PyTorch peer)%n", threads, rounds, mo, maxForeign);
        }
        out.flush();
      }
    } finally {
      if (tmp != null) {
        Models.deleteTree(tmp);
      }
    }
  }

  private static double median(double[] v, int n) {
    double[] c = Arrays.copyOf(v, n);
    Arrays.sort(c);
    return n % 2 == 1 ? c[n / 2] : 0.5 * (c[n / 2 - 1] + c[n / 2]);
  }

  private static String field(String line, String key) {
    for (String kv : line.split(" ")) {
      if (kv.startsWith(key + "=")) {
        return kv.substring(key.length() + 1);
      }
    }
    return null;
  }

  /**
   * CPU time of other processes over an interval, from /proc/stat (all busy time) minus this process's
   * own (/proc/self/stat utime + stime), as a fraction of wall time × cores; NaN where /proc is missing.
   */
  static final class CpuLoad {
    private final long busy0;
    private final long own0;

    private CpuLoad(long busy0, long own0) {
      this.busy0 = busy0;
      this.own0 = own0;
    }

    /** CPU time of this process (all its threads), in nanoseconds; -1 where unavailable. */
    static long processCpuNanos() {
      java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
      if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
        return sun.getProcessCpuTime();
      }
      return -1;
    }

    static CpuLoad start() {
      return new CpuLoad(busyTicks(), ownTicks());
    }

    double foreign(double wallSeconds) {
      long busy = busyTicks();
      long own = ownTicks();
      if (busy < 0 || own < 0 || busy0 < 0 || own0 < 0) {
        return Double.NaN;
      }
      double ticks = (busy - busy0) - (own - own0);
      return Math.max(0, ticks / (100.0 * wallSeconds * Runtime.getRuntime().availableProcessors()));
    }

    /** user + nice + system + irq + softirq ticks of all CPUs (USER_HZ = 100 on Linux). */
    private static long busyTicks() {
      try {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        return Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
            + Long.parseLong(f[7]);
      } catch (IOException | RuntimeException e) {
        return -1;
      }
    }

    private static long ownTicks() {
      try {
        String st = Files.readString(Path.of("/proc/self/stat"));
        String[] f = st.substring(st.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
      } catch (IOException | RuntimeException e) {
        return -1;
      }
    }
  }

  private static Path projectRoot() {
    String p = System.getProperty("bgan.root");
    if (p != null) {
      return Path.of(p);
    }
    return Path.of("").toAbsolutePath();
  }

  private static java.util.List<String> python(PrintStream out, PrintStream err, String... cmd)
      throws IOException {
    java.util.List<String> lines = new java.util.ArrayList<>();
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process p = pb.start();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
      String line;
      while ((line = r.readLine()) != null) {
        out.println(line);
        out.flush();
        lines.add(line);
      }
    }
    try {
      int code = p.waitFor();
      if (code != 0) {
        err.println("warning: " + String.join(" ", cmd) + " exited with " + code);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return lines;
  }
}
