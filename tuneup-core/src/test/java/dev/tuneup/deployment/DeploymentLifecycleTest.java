package dev.tuneup.deployment;

import static dev.tuneup.deployment.DeploymentEvent.DELETE;
import static dev.tuneup.deployment.DeploymentEvent.LOADED;
import static dev.tuneup.deployment.DeploymentEvent.LOAD_FAILED;
import static dev.tuneup.deployment.DeploymentEvent.LOAD_STARTED;
import static dev.tuneup.deployment.DeploymentEvent.SCALE;
import static dev.tuneup.deployment.DeploymentEvent.SERVER_RESTARTED;
import static dev.tuneup.deployment.DeploymentStatus.DELETING;
import static dev.tuneup.deployment.DeploymentStatus.DEPLOYING;
import static dev.tuneup.deployment.DeploymentStatus.FAILED;
import static dev.tuneup.deployment.DeploymentStatus.PENDING;
import static dev.tuneup.deployment.DeploymentStatus.RUNNING;
import static dev.tuneup.deployment.DeploymentStatus.UPDATING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeploymentLifecycleTest {

  /** The whole table written out again by hand: every pair not here is refused. */
  private static final Map<DeploymentStatus, Map<DeploymentEvent, DeploymentStatus>> EXPECTED =
      new EnumMap<>(DeploymentStatus.class);

  static {
    expect(PENDING, LOAD_STARTED, DEPLOYING);
    expect(PENDING, LOAD_FAILED, FAILED);
    expect(PENDING, DELETE, DELETING);
    expect(PENDING, SERVER_RESTARTED, PENDING);
    expect(DEPLOYING, LOADED, RUNNING);
    expect(DEPLOYING, LOAD_FAILED, FAILED);
    expect(DEPLOYING, DELETE, DELETING);
    expect(DEPLOYING, SERVER_RESTARTED, PENDING);
    expect(RUNNING, SCALE, UPDATING);
    expect(RUNNING, DELETE, DELETING);
    expect(RUNNING, SERVER_RESTARTED, PENDING);
    expect(UPDATING, LOADED, RUNNING);
    expect(UPDATING, LOAD_FAILED, FAILED);
    expect(UPDATING, SCALE, UPDATING);
    expect(UPDATING, DELETE, DELETING);
    expect(UPDATING, SERVER_RESTARTED, PENDING);
    expect(DELETING, DELETE, DELETING);
    expect(DELETING, SERVER_RESTARTED, DELETING);
    expect(FAILED, DELETE, DELETING);
  }

  private static void expect(DeploymentStatus from, DeploymentEvent event, DeploymentStatus to) {
    EXPECTED.computeIfAbsent(from, f -> new EnumMap<>(DeploymentEvent.class)).put(event, to);
  }

  @Test
  void every_status_and_event_pair_follows_the_table() {
    int checked = 0;
    int allowed = 0;
    for (DeploymentStatus from : DeploymentStatus.values()) {
      for (DeploymentEvent event : DeploymentEvent.values()) {
        DeploymentStatus expected = EXPECTED.getOrDefault(from, Map.of()).get(event);
        if (expected == null) {
          assertThat(DeploymentLifecycle.target(from, event)).as(from + " + " + event).isEmpty();
          assertThatThrownBy(() -> DeploymentLifecycle.next("m-1", from, event))
              .isInstanceOfSatisfying(
                  IllegalDeploymentTransition.class,
                  t -> {
                    assertThat(t.deployedModel()).isEqualTo("m-1");
                    assertThat(t.from()).isEqualTo(from);
                    assertThat(t.event()).isEqualTo(event);
                    assertThat(t.getMessage()).contains("m-1").contains(from.name());
                  });
        } else {
          assertThat(DeploymentLifecycle.next("m-1", from, event))
              .as(from + " + " + event)
              .isEqualTo(expected);
          allowed++;
        }
        checked++;
      }
    }
    assertThat(checked)
        .isEqualTo(DeploymentStatus.values().length * DeploymentEvent.values().length);
    assertThat(allowed).isEqualTo(19);
  }

  @Test
  void delete_is_accepted_in_every_status_and_repeats_have_one_effect() {
    for (DeploymentStatus s : DeploymentStatus.values()) {
      assertThat(DeploymentLifecycle.next("m", s, DELETE)).isEqualTo(DELETING);
    }
  }

  @Test
  void a_restart_never_shows_a_deployment_as_serving_before_it_is_loaded_again() {
    for (DeploymentStatus s : DeploymentStatus.values()) {
      DeploymentLifecycle.target(s, SERVER_RESTARTED)
          .ifPresent(to -> assertThat(to.serves()).as(s.name()).isFalse());
    }
  }

  @Test
  void scaling_a_failed_deployment_says_to_deploy_again() {
    assertThatThrownBy(() -> DeploymentLifecycle.next("m-1", FAILED, SCALE))
        .hasMessageContaining("delete it and deploy again");
  }
}
