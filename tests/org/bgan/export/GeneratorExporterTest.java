package org.bgan.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Publishing an exported version next to exports running at the same time. */
class GeneratorExporterTest {
  @TempDir Path base;

  private Path finishedExport(String name, String content) throws Exception {
    Path tmp = Files.createDirectories(base.resolve(name));
    Files.writeString(tmp.resolve("saved_model.pb"), content);
    return tmp;
  }

  @Test
  void aVersionTakenMeanwhileByAnotherExportIsLeftAloneAndTheNextOneUsed() throws Exception {
    // two exports read nextVersion() = 1; the other one renamed its directory to 1/ first
    Files.createDirectories(base.resolve("1"));
    Files.writeString(base.resolve("1/saved_model.pb"), "other");
    Path tmp = finishedExport(".tmp-1-123-1", "mine");

    // this used to end in "internal error: FileSystemException: ... -> 1: Directory not empty",
    // leaving the hidden .tmp directory behind
    Path dest = GeneratorExporter.publish(tmp, base, 1);

    assertThat(dest).isEqualTo(base.resolve("2"));
    assertThat(Files.readString(dest.resolve("saved_model.pb"))).isEqualTo("mine");
    assertThat(Files.readString(base.resolve("1/saved_model.pb"))).isEqualTo("other");
    assertThat(tmp).doesNotExist();
    assertThat(GeneratorExporter.nextVersion(base)).isEqualTo(3);
  }

  @Test
  void aFreeVersionIsUsedAsIs() throws Exception {
    Path tmp = finishedExport(".tmp-1-123-2", "mine");
    assertThat(GeneratorExporter.publish(tmp, base, 1)).isEqualTo(base.resolve("1"));
    assertThat(tmp).doesNotExist();
  }
}
