package org.bgan.study;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.bgan.config.ExperimentConfigs;
import org.bgan.config.proto.Study;
import org.bgan.train.Checkpoints;
import org.bgan.util.AtomicFiles;

/**
 * {@code bgan study --jobs N}: the study's runs N at a time, each in a JVM of its own (the command
 * {@code study FILE --arms A --seeds S} of the serial runner, so a run is trained, resumed, scored and
 * recorded exactly as there). Its output goes to {@code <study output>/logs/<arm>-seed-<s>.log}; this
 * process prints one line when a run starts and one when it ends. When every run has ended well, the
 * serial runner is called on the same selection, which finds them done, scores any that lack a score
 * and writes the results. A child that exits non-zero (a bad config, a killed or crashed JVM; a run
 * that diverges is a result and exits 0) stops new runs from starting; those already started finish,
 * the results are written from the runs present and its exit code is returned. Killing this process
 * stops the children too; each resumes from its last checkpoint when the study is started again.
 */
public final class ParallelStudy {
  private ParallelStudy() {}

  /** One run of the grid: its arm, seed and directory. */
  record Job(int index, String arm, long seed, Path runDir, Path log) {}

  /** A started child and when it started. */
  private record Running(Job job, Process process, long startNanos) {}

  /**
   * Runs the selected runs that are not finished, {@code jobs} at a time, each as {@code self + [study,
   * studyFile, --arms, arm, --seeds, seed]}. Returns 0, or the first failing child's exit code.
   */
  public static int run(Path studyFile, Study s, Set<String> onlyArms, Set<Long> onlySeeds, int jobs,
      List<String> self, PrintStream log, boolean tty) throws IOException, InterruptedException {
    if (jobs < 1) {
      throw new IllegalArgumentException("jobs must be >= 1, got " + jobs);
    }
    List<StudyRunner.Selected> selected = StudyRunner.select(studyFile, s, onlyArms, onlySeeds);
    StudyRunner.checkExistingRunsMatch(selected.stream().map(StudyRunner.Selected::experiment).toList());
    Deque<Job> todo = new ArrayDeque<>();
    Path out = StudyRunner.outputDir(s);
    Path logs = out.resolve("logs");
    for (int k = 0; k < selected.size(); k++) {
      StudyRunner.Selected r = selected.get(k);
      Path runDir = ExperimentConfigs.outputDir(r.experiment());
      if (!StudyRunner.finished(runDir)) {
        String arm = r.arm().getName();
        todo.add(new Job(k + 1, arm, r.seed(), runDir, logs.resolve(arm + "-seed-" + r.seed() + ".log")));
      }
    }
    int total = selected.size();
    // e.g. a missing classifier: before any run starts
    RunEvaluation.checkReady(studyFile, s, selected.stream().map(StudyRunner.Selected::experiment).toList());
    AtomicFiles.ensureWritableDir(logs, "study output directory");
    List<Running> running = new ArrayList<>();
    Thread stopChildren = new Thread(() -> {
      synchronized (running) {
        running.forEach(r -> r.process().destroy());
      }
    });
    Runtime.getRuntime().addShutdownHook(stopChildren);
    int firstFailure = 0;
    try {
      while (!todo.isEmpty() || !running.isEmpty()) {
        while (firstFailure == 0 && running.size() < jobs && !todo.isEmpty()) {
          Job j = todo.poll();
          boolean resume = Checkpoints.latest(j.runDir()).isPresent();
          List<String> cmd = new ArrayList<>(self);
          cmd.addAll(List.of("study", studyFile.toString(), "--arms", j.arm(), "--seeds", Long.toString(j.seed())));
          ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(j.log().toFile()));
          synchronized (running) {
            running.add(new Running(j, pb.start(), System.nanoTime()));
          }
          log.printf("[%d/%d] %s: %s (log: %s)%n", j.index(), total, j.runDir(), resume ? "resuming" : "starting", j.log());
        }
        if (running.isEmpty()) {
          break;  // a failure stopped the queue and the started runs have ended
        }
        try {
          CompletableFuture.anyOf(running.stream().map(r -> r.process().onExit()).toArray(CompletableFuture[]::new)).get();
        } catch (ExecutionException e) {
          throw new IOException("waiting for a study run: " + e.getCause(), e.getCause());
        }
        List<Running> ended = new ArrayList<>();
        synchronized (running) {
          for (Running r : running) {
            if (!r.process().isAlive()) {
              ended.add(r);
            }
          }
          running.removeAll(ended);
        }
        for (Running r : ended) {
          int code = r.process().exitValue();
          String took = duration((System.nanoTime() - r.startNanos()) / 1e9);
          if (code == 0) {
            log.printf("[%d/%d] %s: done in %s%n", r.job().index(), total, r.job().runDir(), took);
          } else {
            log.printf("[%d/%d] %s: exited with code %d after %s: %s (log: %s)%n", r.job().index(), total,
                r.job().runDir(), code, took, lastLine(r.job().log()), r.job().log());
            if (firstFailure == 0) {
              firstFailure = code;
              if (!todo.isEmpty() || !running.isEmpty()) {
                log.printf("not starting the %d runs still queued; waiting for the %d running%n", todo.size(), running.size());
              }
            }
          }
        }
      }
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(stopChildren);
      } catch (IllegalStateException e) {
        // the JVM is already shutting down: the hook is stopping the children
      }
    }
    if (firstFailure != 0) {
      StudyRunner.summarize(s, out);
      return firstFailure;
    }
    // Every selected run is finished: this scores any not yet scored and writes the results.
    return StudyRunner.run(studyFile, s, onlyArms, onlySeeds, log, tty);
  }

  private static String duration(double seconds) {
    long t = Math.round(seconds);
    return t >= 3600 ? String.format(Locale.ROOT, "%dh%02dm%02ds", t / 3600, t / 60 % 60, t % 60)
        : String.format(Locale.ROOT, "%dm%02ds", t / 60, t % 60);
  }

  /** The log's last non-blank line (the child's error message), or a note if there is none. */
  static String lastLine(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (!lines.get(i).isBlank()) {
          return lines.get(i).strip();
        }
      }
      return "(no output)";
    } catch (IOException e) {
      return "(log not readable: " + e.getMessage() + ")";
    }
  }
}
