package org.bgan.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir
  Path tmp;

  @Test
  void writesReplaceAtomicallyLeaveNoTemporaryFileAndAreReadableByOthers() throws Exception {
    Path f = tmp.resolve("sub/out.txt");
    AtomicFiles.writeString(f, "one");
    AtomicFiles.writeString(f, "two");
    assertThat(f).hasContent("two");
    try (var s = Files.list(f.getParent())) {
      assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("out.txt");
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-r--r--");
  }

  @Test
  void aFileWhereADirectoryShouldBeIsNamedAsSuch() throws Exception {
    Path file = Files.writeString(tmp.resolve("graph.pb"), "x");
    // the file itself as the directory, and as one of its parents
    assertThatThrownBy(() -> AtomicFiles.ensureWritableDir(file, "output directory (train.output_dir)"))
        .isInstanceOf(UserException.class)
        .hasMessage("output directory (train.output_dir) '" + file + "' is not writable: " + file + " is a file, not a directory");
    assertThatThrownBy(() -> AtomicFiles.ensureWritableDir(file.resolve("run"), "output directory"))
        .isInstanceOf(UserException.class).hasMessageEndingWith(": " + file + " is a file, not a directory");
    assertThat(AtomicFiles.ensureWritableDir(tmp.resolve("new/run"), "output directory")).isEqualTo(tmp.resolve("new"));
  }
}
