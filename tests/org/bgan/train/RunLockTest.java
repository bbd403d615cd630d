package org.bgan.train;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bgan.util.AtomicFiles;
import org.bgan.util.UserException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunLockTest {
  @TempDir Path tmp;

  @Test
  void aRunDirectoryRemovedOrReplacedWhileTrainingIsNoticed() throws Exception {
    // before: the trainer recreated the directory on its next write and ended "ok" with a partial run
    Path run = Files.createDirectories(tmp.resolve("run"));
    try (RunLock lock = RunLock.acquire(run)) {
      assertThatCode(() -> lock.checkHeld(run)).doesNotThrowAnyException();
      AtomicFiles.deleteTree(run);
      assertThatThrownBy(() -> lock.checkHeld(run)).isInstanceOf(UserException.class)
          .hasMessageContaining("run directory " + run + " was removed or replaced").hasMessageContaining("is gone");
      Files.createDirectories(run);
      Files.writeString(run.resolve(RunLock.FILE), "123\n");  // another directory of the same name, with a lock file
      assertThatThrownBy(() -> lock.checkHeld(run)).isInstanceOf(UserException.class)
          .hasMessageContaining("is another file");
    }
  }
}
