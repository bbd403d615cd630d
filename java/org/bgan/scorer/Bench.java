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
 * through an Inception-v3-size model, each beside its Python peer run in the same command
 * (tools/bench/fid_scipy.py: scipy.linalg.sqrtm as in the reference FID code; tools/bench/torch_inception.py:
 * torchvision's inception_v3) when /usr/bin/python3 has them.
 */
final class Bench {
  private Bench() {}

  static void run(PrintStream out, PrintStream err, String what, Path model, int images, int batch, int repeats,
      int dim, boolean torch, int threads) throws IOException {
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
        double fid = 0;
        Fid.compute(st[0], st[1]); // warm-up (JIT)
        for (int r = 0; r < repeats; r++) {
          long t0 = System.nanoTime();
          fid = Fid.compute(st[0], st[1]).fid();
          times[r] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(times);
        out.printf(Locale.ROOT, "bench=fid impl=java dim=%d threads=%d median_s=%.3f min_s=%.3f fid=%.10g repeats=%d%n",
            dim, threads, times[repeats / 2], times[0], fid, repeats);
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
    if (what.contains("images")) {
      Path tmp = null;
      try {
        if (model == null) {
          tmp = Files.createTempDirectory("bench-inception");
          model = tmp.resolve("inception");
          err.println("building a random-weight Inception v3 SavedModel in " + model + " ...");
          InceptionV3.export(model, 0);
        }
        ModelSpec spec = new ModelSpec();
        spec.tfThreads = threads;
        try (SavedModelExtractor x = SavedModelExtractor.open(model, spec)) {
          err.println(x.summary());
          byte[] rgb = new byte[batch * 299 * 299 * 3];
          new Random(1).nextBytes(rgb);
          ImageBatch b = new ImageBatch(batch, 299, 299, rgb);
          x.extract(b); // warm-up
          int done = 0;
          long t0 = System.nanoTime();
          while (done < images) {
            x.extract(b);
            done += batch;
          }
          double secs = (System.nanoTime() - t0) / 1e9;
          out.printf(Locale.ROOT, "bench=images impl=tf-java model=inception_v3 batch=%d threads=%d images=%d secs=%.2f images_per_s=%.2f%n",
              batch, threads, done, secs, done / secs);
          out.flush();
        }
        Path py = root.resolve("tools/bench/torch_inception.py");
        if (torch && Files.isRegularFile(Path.of("/usr/bin/python3")) && Files.isRegularFile(py)) {
          python(out, err, "/usr/bin/python3", py.toString(), "--images", Integer.toString(images),
              "--batch", Integer.toString(batch), "--threads", Integer.toString(threads));
        }
      } finally {
        if (tmp != null) {
          Models.deleteTree(tmp);
        }
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

  private static void python(PrintStream out, PrintStream err, String... cmd) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process p = pb.start();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
      String line;
      while ((line = r.readLine()) != null) {
        out.println(line);
        out.flush();
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
  }
}
