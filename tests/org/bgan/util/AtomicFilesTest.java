package org.bgan.util;

import static org.assertj.core.api.Assertions.assertThat;

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
}
