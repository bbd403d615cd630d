package org.bgan.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.bgan.config.proto.Study;
import org.bgan.util.UserException;
import org.junit.jupiter.api.Test;

class StudyCommandTest {
  private static CommandLine parse(String... args) throws Exception {
    return new DefaultParser().parse(new StudyCommand().options(), args);
  }

  @Test
  void seedSelectionsIncludingNegativeSeeds() throws Exception {
    Study s = Study.newBuilder().addAllSeeds(java.util.List.of(-3L, -2L, -1L, 0L, 1L, 2L, 5L)).build();
    assertThat(StudyCommand.seeds(parse("--seeds", "0-2,5"), s)).containsExactly(0L, 1L, 2L, 5L);
    // a study may list negative seeds (train.seed is an int64): --seeds must be able to pick them
    assertThat(StudyCommand.seeds(parse("--seeds", "-1"), s)).containsExactly(-1L);
    assertThat(StudyCommand.seeds(parse("--seeds=-3--1,2"), s)).containsExactly(-3L, -2L, -1L, 2L);
    assertThat(StudyCommand.seeds(parse("--seeds", "-1-1"), s)).containsExactly(-1L, 0L, 1L);
    assertThat(StudyCommand.seeds(parse(), s)).isNull();
    for (String bad : new String[] {"1--1", "--1", "4", "1-x", "-"}) {
      assertThatThrownBy(() -> StudyCommand.seeds(parse("--seeds=" + bad), s)).as(bad)
          .isInstanceOf(UserException.class).hasMessageStartingWith("--seeds");
    }
  }
}
