package dev.tuneup.backend.local;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcStatTest {
  @Test
  void a_command_name_with_spaces_and_parentheses_is_parsed_from_the_last_parenthesis() {
    String stat =
        "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 3 0 987654"
            + " 1000 100 18446744073709551615";
    ProcStat s = ProcStat.parse(4242, stat);
    assertThat(s.state()).isEqualTo('S');
    assertThat(s.pgrp()).isEqualTo(4242);
    assertThat(s.session()).isEqualTo(4242);
    assertThat(s.startTime()).isEqualTo(987654);
  }

  @Test
  void a_zombie_counts_as_ended() {
    String stat = "7 (x) Z 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 55 0 0 0";
    assertThat(ProcStat.parse(7, stat).ended()).isTrue();
    assertThat(ProcStat.parse(7, stat.replace(" Z ", " S ")).ended()).isFalse();
  }

  @Test
  void this_process_is_found_with_its_start_time() {
    long pid = ProcessHandle.current().pid();
    assertThat(ProcStat.of(pid)).isPresent();
    assertThat(ProcStat.of(pid).get().startTime()).isPositive();
    assertThat(ProcStat.of(999_999_999L)).isEmpty();
  }
}
