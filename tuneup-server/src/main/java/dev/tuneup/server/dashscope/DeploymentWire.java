package dev.tuneup.server.dashscope;

import dev.tuneup.deployment.Deployment;
import dev.tuneup.deployment.DeploymentService;
import dev.tuneup.deployment.DeploymentStatus;
import dev.tuneup.server.http.Obj;

/** The DashScope deployment object (spec §3.3); every field the SDK's DeploymentOutput reads. */
public final class DeploymentWire {
  private final WireTime time;

  public DeploymentWire(WireTime time) {
    this.time = time;
  }

  public Obj of(Deployment d) {
    return Obj.of()
        .always("deployed_model", d.deployedModel())
        .always("gmt_create", time.iso(d.createdAt()))
        .always("gmt_modified", time.iso(d.modifiedAt()))
        .always("status", d.status().name())
        .always("model_name", d.modelName())
        .always("base_model", d.baseModel())
        .always("base_capacity", DeploymentService.BASE_CAPACITY)
        .always("capacity", d.capacity())
        .always("ready_capacity", d.readyCapacity())
        .always("workspace_id", d.workspaceId())
        .always("charge_type", "post_paid")
        .always("creator", d.creator())
        .always("modifier", d.modifier())
        .always("plan", d.plan())
        .with("rpm_limit", d.limits().requestsPerMinute())
        .with("tpm_limit", d.limits().tokensPerMinute())
        .with("suffix", d.suffix())
        .with("message", d.status() == DeploymentStatus.FAILED ? d.reason() : null);
  }
}
