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
  void aTreeMovedIntoPlaceIsSyncedWithoutFollowingLinksOrNeedingWriteAccess() throws Exception {
    // a checkpoint or SavedModel directory: files (one read-only, as a tool may write them), a nested
    // directory, a dangling link; syncing must neither fail on them nor follow the link
    Path src = Files.createDirectories(tmp.resolve(".step.tmp/variables"));
    Files.writeString(src.resolve("variables.index"), "index");
    Path ro = Files.writeString(src.getParent().resolve("model.pb"), "graph");
    Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r--r--r--"));
    Files.createSymbolicLink(src.resolve("dangling"), tmp.resolve("nowhere"));
    Path fin = tmp.resolve("step");
    AtomicFiles.move(src.getParent(), fin);
    assertThat(fin.resolve("variables/variables.index")).hasContent("index");
    assertThat(fin.resolve("model.pb")).hasContent("graph");
    assertThat(Files.isSymbolicLink(fin.resolve("variables/dangling"))).isTrue();
    assertThat(tmp.resolve(".step.tmp")).doesNotExist();
    AtomicFiles.sync(tmp.resolve("missing"));  // nothing there: nothing to do
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
